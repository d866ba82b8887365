"""Security headers on every answer, and the per-request nonce that lets our own
inline scripts run under the Content-Security-Policy.

Scripts run only from this origin or from a ``<script nonce=...>`` carrying this
request's nonce (FAB's templates ask for it through ``csp_nonce()``; the dashboard's charts are
drawn by a static script from JSON), so an injected script or ``onclick=`` never runs. Styles
allow 'unsafe-inline': Plotly and FAB write ``style=`` attributes and Plotly adds
``<style>`` elements as it draws; a style cannot run code.

Answers are ``no-store`` unless they are files meant to be cached (static files, or a
view that said ``public``): pages, API answers and exports may show unmasked ID numbers
and phones, and must not stay in a browser's or proxy's cache."""
import secrets

from flask import Flask, Response, g, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'nonce-{nonce}'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# An answer that rendered no script with a nonce (an API answer, a file) needs none.
POLICY_WITHOUT_NONCE = CONTENT_SECURITY_POLICY.replace(" 'nonce-{nonce}'", "")
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def csp_nonce() -> str:
    """This request's nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _cacheable(response: Response) -> bool:
    endpoint = request.endpoint or ""
    return (endpoint == "static" or endpoint.endswith(".static")
            or ("Cache-Control" in response.headers and bool(response.cache_control.public)))


def add_security_headers(response: Response) -> Response:
    policy = (CONTENT_SECURITY_POLICY.format(nonce=g.csp_nonce) if "csp_nonce" in g
              else POLICY_WITHOUT_NONCE)
    response.headers.setdefault("Content-Security-Policy", policy)
    for name, value in FIXED_HEADERS.items():
        response.headers.setdefault(name, value)
    if not _cacheable(response):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def init_security_headers(app: Flask) -> None:
    # FAB's templates put {{ baselib.get_nonce() }} on their scripts when csp_nonce exists.
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)
