"""Static files: versioned URLs, a year in the cache, gzip for text; pages untouched."""
import gzip
import re

from app.core.static_files import static_version
from views.stats.dashboard import PLOTLY_JS


def test_plotly_is_versioned_cached_a_year_and_compressed(app, web):
    client = web("leader")
    page = client.get("/stats/").get_data(as_text=True)
    version = static_version(app)
    url = re.search(r'data-plotly="(/stats/plotly\.min\.js\?v=[0-9a-f]+)"', page).group(1)
    assert url.endswith(f"v={version}")
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in response.headers["Vary"]
    body = gzip.decompress(response.data)
    assert body == PLOTLY_JS.read_bytes() and len(response.data) < len(body) / 2
    # Without gzip the file as it is; an unversioned (old) URL is cached an hour only.
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and plain.data == body
    assert client.get("/stats/plotly.min.js").headers["Cache-Control"] == "public, max-age=3600"


def test_every_static_url_carries_the_version_and_text_is_compressed(app, web):
    client = web("leader")
    page = client.get("/stats/").get_data(as_text=True)
    version = static_version(app)
    assert f"/static/console.css?v={version}" in page
    assert f"/static/appbuilder/js/ab.js?v={version}" in page
    for path in ("/static/console.js", "/static/appbuilder/js/ab.js"):
        response = client.get(f"{path}?v={version}", headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]
    # A page: neither cached nor compressed (personal data, tokens).
    response = client.get("/stats/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Cache-Control"] == "no-store" and "Content-Encoding" not in response.headers
