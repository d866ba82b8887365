"""The search endpoint of every picker (select2 ``ajax``, static/console.js): ``?q=``
answers ``{"results": [{"id", "text"}, ...]}``, found within a scope, by default the
caller's jurisdiction. Every picker's endpoint answers through ``select2_search``, so
the shape and the scoping are written once."""
from flask import request
from flask_appbuilder.api import BaseApi

from app.core.jurisdiction import current_jurisdiction


SEARCH_DOC = """{summary}
        ---
        get:
          parameters:
          - {{in: query, name: q, schema: {{type: string}}, description: "a code's start or part of a name"}}
{parameters}          responses:
            200:
              description: '{{"results": [{{"id", "text"}}]}}'
        """


def search_doc(summary: str, *parameters: str):
    """Gives a picker's search endpoint its OpenAPI description (put it next to the
    ``def``): ``q``, then each of ``parameters`` (``{in: query, ...}``), answering select2."""
    def decorate(endpoint):
        endpoint.__doc__ = SEARCH_DOC.format(
            summary=summary, parameters="".join(f"          - {p}\n" for p in parameters))
        return endpoint
    return decorate


def each(describe):
    """``texts`` for ``select2_search`` from a function giving one row's text."""
    return lambda rows: describe


def select2_row(row, text, key: str, with_level: bool) -> dict:
    """One option: the row's ``key`` as the id, its text (and its level, for places)."""
    option = {"id": getattr(row, key), "text": text}
    if with_level:
        option["level"] = getattr(row, "level", None)
    return option


def select2_search(search, texts, key: str = "id", with_level: bool = False, scope=None):
    """Answer a picker's search: ``search(term, scope)`` finds the rows matching ``q``
    within the scope (``scope()``, else the caller's jurisdiction); ``texts(rows)`` is a function giving each row's text (built from
    all the rows, so one query may label them all; ``each(describe)`` for a plain one)."""
    rows = list(search(request.args.get("q", "").strip(), scope() if scope else current_jurisdiction()))
    text = texts(rows)
    return BaseApi.response(200, results=[select2_row(row, text(row), key, with_level) for row in rows])
