"""Values as people read them on every list, show page and list export: yes/no, not
True/False; nothing, not None; local time to the minute, not UTC with microseconds;
names, not region codes (views.core.places). ``readable_formatters`` gives a view the
formatters of the columns it does not format itself."""
import datetime as dt
import re

from flask_babel import gettext as _
from sqlalchemy import Boolean, Date, DateTime, inspect as sa_inspect

from app.core.clock import format_local
from views.core.places import with_place_names

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?")


def yes_no(value):
    return "" if value is None else (_("Yes") if value else _("No"))


def blank_none(value):
    return "" if value is None else value


def local_time(value):
    return format_local(value) if isinstance(value, dt.datetime) else blank_none(value)


def times_in_text(value):
    """A text holding stored times (an audit entry's changes): each one in local time to the minute."""
    if value is None:
        return ""
    return ISO_TIME.sub(lambda m: format_local(dt.datetime.fromisoformat(m.group().replace(" ", "T"))), str(value))


def readable_formatters(model, formatters: dict, columns) -> dict:
    columns = set(columns)
    by_type = {}
    table_columns = {c.key: c for c in sa_inspect(model).columns} if model is not None else {}
    for name in columns:
        column = table_columns.get(name)
        if column is None:
            continue
        if isinstance(column.type, Boolean):
            by_type[name] = yes_no
        elif isinstance(column.type, DateTime):
            by_type[name] = local_time
        elif not isinstance(column.type, Date):
            by_type[name] = blank_none
    return {**by_type, **with_place_names(formatters, columns)}
