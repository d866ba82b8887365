"""Static files fast: versioned URLs, a year in the browser's cache, gzip.

- Every ``url_for`` of a static file (ours, FAB's, and the routes marked
  ``serves_files``, e.g. the dashboard's plotly.min.js) carries
  ``?v=<version>``: a hash of the names, sizes and times of the files served, taken at
  start, so a release that changes a file changes every URL and no browser keeps an old
  file.
- A static answer asked with the current ``v`` is cached for a year
  (``public, max-age=31536000, immutable``); asked without it (an old or hand-made
  URL), for an hour.
- Text files (JavaScript, CSS, SVG, JSON) are sent gzip-compressed to a browser that
  accepts it, each one compressed once per process and kept in memory (plotly.min.js:
  4.8 MB, 1.4 MB compressed).

Pages and API answers are neither cached nor compressed here: they are ``no-store``
(app.core.http_headers) and may carry personal data and tokens (compressing those
would open them to BREACH-style guessing)."""
import gzip
import hashlib
import threading
from pathlib import Path

from flask import Flask, current_app, request

YEAR = 365 * 24 * 3600
UNVERSIONED_MAX_AGE = 3600
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "application/json",
                "image/svg+xml", "text/plain"}
MIN_COMPRESSED_SIZE = 1024
GZIP_LEVEL = 6
_compressed: dict[tuple[str, str], bytes] = {}
_lock = threading.Lock()


def serves_files(*files: Path):
    """Mark a view answering one of ``files`` as static (versioned, cached, compressed);
    the files make part of the version."""
    def mark(view):
        view.static_files = files
        return view
    return mark


def _served_files(app: Flask, endpoint: str):
    return getattr(app.view_functions.get(endpoint), "static_files", None)


def _is_static(endpoint: str) -> bool:
    return (endpoint == "static" or endpoint.endswith(".static")
            or _served_files(current_app, endpoint) is not None)


def static_version(app: Flask) -> str:
    """The hash of every file served as static (see the module's docstring)."""
    if "static_version" not in app.extensions:
        digest = hashlib.sha256()
        folders = {app.static_folder, *(bp.static_folder for bp in app.blueprints.values())}
        files = [(folder, path) for folder in sorted(f for f in folders if f)
                 for path in sorted(Path(folder).rglob("*")) if path.is_file()]
        files += [(None, Path(path)) for endpoint in sorted(app.view_functions)
                  for path in _served_files(app, endpoint) or ()]
        for folder, path in files:
            stat = path.stat()
            name = path.relative_to(folder) if folder else path.name
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        app.extensions["static_version"] = digest.hexdigest()[:12]
    return app.extensions["static_version"]


def _add_version(endpoint: str, values: dict) -> None:
    if _is_static(endpoint):
        values.setdefault("v", static_version(current_app))


def _gzipped(response) -> bytes | None:
    """The compressed body of ``response`` (None when too small to gain), once per file."""
    key = (request.path, (response.get_etag()[0] or ""))
    if key not in _compressed:
        response.direct_passthrough = False
        raw = response.get_data()
        with _lock:
            _compressed[key] = gzip.compress(raw, GZIP_LEVEL) if len(raw) >= MIN_COMPRESSED_SIZE else None
    return _compressed[key]


def finish_static(response):
    if not _is_static(request.endpoint or "") or response.status_code not in (200, 304):
        return response
    current = request.args.get("v") == static_version(current_app)
    response.headers["Cache-Control"] = (f"public, max-age={YEAR}, immutable" if current
                                         else f"public, max-age={UNVERSIONED_MAX_AGE}")
    response.vary.add("Accept-Encoding")
    if (response.status_code == 200 and response.mimetype in COMPRESSIBLE and not response.content_encoding
            and "gzip" in request.accept_encodings and not request.range):
        body = _gzipped(response)
        if body is not None:
            etag = response.get_etag()[0]
            if hasattr(response.response, "close"):
                response.response.close()
            response.direct_passthrough = False
            response.set_data(body)
            response.content_encoding = "gzip"
            response.headers.pop("Accept-Ranges", None)
            if etag:
                response.set_etag(f"{etag}-gzip")
    return response


def init_static_files(app: Flask) -> None:
    """After init_security_headers: this hook runs before it and marks the answer public."""
    app.url_defaults(_add_version)
    app.after_request(finish_static)
