"""No full ID number or phone in any log line (item 8 of the trust issue): the flows that
carry them (filing, a repeated filing and its SMS, staff lookups, the queue search, the
demo setup's output) are run, their logs collected, and searched for the numbers."""
import logging
import re

from app.ledgers import demo as ledger_demo
from app.core import outbox
from tests.filing_data import OWN_COMMUNITY, report, resident_id
from tests.live_gunicorn import Gunicorn

PUBLIC = "/api/v1/public/filings"
LOOKUP = "/api/v1/filing/lookup"
# An 18-character resident ID or an 11-digit mobile standing alone.
FULL_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dX]|1[3-9]\d{9})(?![\dA-Za-z])")


def assert_no_numbers(text: str, *numbers: str) -> None:
    for number in numbers:
        assert number not in text, f"{number[:3]}... is in the log"
    found = FULL_NUMBER.findall(text)
    assert not found, f"{len(found)} full numbers in the log, first {found[0][:3]}..."


def test_the_flows_log_no_id_number_or_phone(app, client, api, web, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    body = report(id_number=resident_id(), phone="13811112222", destination_region_code=OWN_COMMUNITY)
    number, phone = body["id_number"], body["phone"]
    assert client.post(PUBLIC, json=body).status_code == 201
    assert client.post(PUBLIC, json={**body, "phone": "13922223333"}).status_code == 409
    with app.app_context():
        assert outbox.deliver_pending(sender="log") == 2  # the receipt, and again on the repeat
    officer = api("officer")
    assert officer.get(f"{LOOKUP}?q={number}").json["ids"]  # the documented GET still answers
    assert officer.post(LOOKUP, json={"q": number}).json["ids"]
    assert officer.post(LOOKUP, json={"q": phone}).json["ids"]
    queue = web("officer").post("/filingdesk/queue", data={"q": phone})
    assert queue.status_code == 200 and 'class="queue-item' in queue.get_data(as_text=True)
    with app.app_context():
        ledger_demo.create_demo_ledgers()  # what `flask setup` prints about the demo ledgers
    printed = capsys.readouterr()
    assert "recorded as away" in printed.out
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SMS to 138****2222" in logged
    assert_no_numbers(logged + printed.out + printed.err, number, phone, "13922223333")


def test_the_access_log_of_run_sh_holds_no_query_string(app, tmp_path):
    body = report(id_number=resident_id(), phone="13811113333", destination_region_code=OWN_COMMUNITY)
    number, phone = body["id_number"], body["phone"]
    with Gunicorn(app, tmp_path, workers=1) as server:
        assert server.request("POST", PUBLIC, body)[0] == 201
        status, login = server.request("POST", "/api/v1/security/login", {
            "username": "officer", "password": "Test@12345", "provider": "db"})
        assert status == 200
        bearer = {"Authorization": f"Bearer {login['access_token']}"}
        for term in (number, phone):
            status, found = server.request("GET", f"{LOOKUP}?q={term}", headers=bearer)
            assert status == 200 and found["ids"]
        assert server.request("POST", LOOKUP, {"q": number}, headers=bearer)[1]["ids"]
    access = server.access_log.read_text()
    assert access.count(f"GET {LOOKUP} HTTP/1.1") == 2
    assert_no_numbers(access + server.error_log.read_text(), number, phone)
