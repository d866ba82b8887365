"""Rows of a scoped model matching a picker's search term, within a jurisdiction."""
from sqlalchemy import or_, select

from app.core.extensions import db
from app.core.jurisdiction import code_range, code_within


def search_scoped_rows(model, columns, term: str, jurisdiction, limit: int = 20) -> list:
    """Rows of ``model`` within ``jurisdiction`` whose ``columns`` match ``term``: a
    ``*code`` column by prefix (an index range), any other by containing it."""
    query = select(model).where(code_within(model.jurisdiction_attr(), jurisdiction))
    if term:
        conditions = []
        for column_name in columns:
            column = getattr(model, column_name)
            if column_name.endswith("code") and term.isdigit():
                low, high = code_range(term)
                conditions.append(column.between(low, high))
            elif not column_name.endswith("code"):
                conditions.append(column.contains(term, autoescape=True))
        query = query.where(or_(*conditions)) if conditions else query.where(False)
    return list(db.session.scalars(query.order_by(model.jurisdiction_attr(), model.id).limit(limit)))
