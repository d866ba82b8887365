"""Security headers on every answer (app/core/http_headers.py): the Content-Security-Policy
with a fresh nonce that every inline script of our pages carries, framing refused,
no MIME sniffing, same-origin referrers, and nothing that may show an unmasked value
kept in a cache. (tests/test_csp_browser.py tries the pages under the policy.)"""
import re

import pytest

from tests.filing_data import resident_id, store
from tests.ledger_data import make_world

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _nonce(response) -> str | None:
    """The answer's nonce; None when it rendered no inline script (its policy allows
    scripts from this origin only)."""
    match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'", response.headers["Content-Security-Policy"])
    assert match or "script-src 'self';" in response.headers["Content-Security-Policy"]
    return match and match.group(1)


def _assert_protected(response):
    policy = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
                      "frame-ancestors 'none'", "img-src 'self' data:"):
        assert directive in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def _assert_not_stored(response):
    assert response.headers["Cache-Control"] == "no-store", response.request.path
    assert "Expires" not in response.headers


def _inline_scripts_carry_the_nonce(response):
    """Every script written into the page is either a file or carries this answer's
    nonce (JSON data blocks never run); no element has an onclick= or the like."""
    nonce, html = _nonce(response), response.get_data(as_text=True)
    for attributes in SCRIPT_TAG.findall(html):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        assert f'nonce="{nonce}"' in attributes, f"{response.request.path}: <script{attributes}>"
    assert not EVENT_HANDLER.search(html), f"{response.request.path}: {EVENT_HANDLER.search(html).group(0)}"


@pytest.fixture
def world(app):
    make_world(app)
    created = store(app, id_number=resident_id(sequence=123))
    return created


def test_every_page_has_the_headers_and_its_scripts_the_nonce(app, web, world):
    admin = web("admin")
    pages = ["/", "/filingview/list/", f"/filingview/show/{world.id}", "/filingdesk/queue", "/stats/",
             "/stats/?region=410105001", "/gridview/list/", "/gridview/add", "/householdview/list/",
             "/residentview/list/", "/users/list/", "/users/add", "/compliance/", "/dailyreport/",
             "/swagger/v1", "/regionview/list/"]
    nonces = set()
    for path in pages:
        response = admin.get(path)
        assert response.status_code == 200, path
        _assert_protected(response)
        _assert_not_stored(response)
        _inline_scripts_carry_the_nonce(response)
        nonces.add(_nonce(response))
    assert None not in nonces and len(nonces) == len(pages)  # a fresh nonce for every page

    public = app.test_client()
    for path in ["/login/", "/report/", f"/report/receipt/{world.receipt}"]:
        response = public.get(path)
        _assert_protected(response)
        _inline_scripts_carry_the_nonce(response)


def test_charts_come_as_data_drawn_by_a_static_script(app, web, world):
    """No inline chart script to allow: the page loads static/stats.js, each chart is JSON."""
    page = web("admin").get("/stats/").get_data(as_text=True)
    assert re.search(r'<script src="/static/stats\.js\?v=\w+"></script>', page) and "Plotly.newPlot" not in page
    chart = web("admin").get("/stats/chart/children")
    assert chart.status_code == 200 and "<script" not in chart.json["html"]
    _assert_not_stored(chart)


def test_answers_that_may_show_unmasked_values_are_not_stored(app, web, api, world):
    officer = web("officer")
    revealed = officer.post(f"/filingunmask/{world.id}")
    assert resident_id(sequence=123) in revealed.get_data(as_text=True)
    _assert_not_stored(revealed)
    _assert_protected(revealed)

    answers = [
        api("officer").get(f"/api/v1/filing/lookup?q={world.receipt}"),
        api("officer").get(f"/api/v1/filing/{world.id}"),
        api("township").get("/api/v1/resident/export"),
        officer.get("/residentview/export/"),
        app.test_client().get(f"/report/receipt/{world.receipt}"),
        app.test_client().get(f"/api/v1/public/filings/{world.receipt}", headers={"X-Filing-Token": world.token}),
        officer.get("/no/such/page"),
    ]
    for answer in answers:
        assert answer.status_code in (200, 404), (answer.request.path, answer.status_code)
        _assert_not_stored(answer)
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_stay_cacheable(app, web):
    for response in (app.test_client().get("/static/console.js"),
                     app.test_client().get("/static/appbuilder/js/ab.js"),
                     web("leader").get("/stats/plotly.min.js")):
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()
