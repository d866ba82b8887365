"""催报: one click on the compliance screen reminds the officers of the communities that
have not reported the day; once per community and day; scoped; POST with CSRF only."""
import datetime as dt

from sqlalchemy import select

from app.core.extensions import db
from app.reporting.daily_reports import submit_report
from app.reporting.reminders import remind_not_reported
from models import Notification
from scheduler.jobs import daily_report_job
from tests.conftest import browser, login, user_id
from tests.report_fixtures import DAY, DUE, PREPARED_AT, report_of

A, B, C = "410105001003", "410105001006", "410105001007"


def _inbox():
    return [(n.kind, n.recipient, n.region_code) for n in db.session.scalars(
        select(Notification).where(Notification.channel == "inbox").order_by(Notification.id))]


def test_remind_the_communities_that_have_not_reported_once_per_day(app, web):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        submit_report(report_of(A).id, jurisdiction=None, now=DUE - dt.timedelta(hours=1))
    page = web("township").get(f"/compliance/?date={DAY}").get_data(as_text=True)
    assert "/reportreminder/" in page
    client = web("township")
    response = client.post("/reportreminder/", data={"region": "410105001", "date": DAY.isoformat()})
    assert response.status_code == 302 and "/compliance/" in response.location
    with app.app_context():
        officer_b = str(user_id(app, "officer_b"))
        # B has an officer (officer_b), C has none; A has reported.
        assert _inbox() == [("report_reminder", officer_b, B)]
    # Again, by the same or another account: nobody is reminded twice for the day.
    client.post("/reportreminder/", data={"region": "410105001", "date": DAY.isoformat()})
    web("county").post("/reportreminder/", data={"region": "410105", "date": DAY.isoformat()})
    with app.app_context():
        assert [r for r in _inbox() if r[2].startswith("410105001")] == [("report_reminder", officer_b, B)]
    inbox = web("officer_b").get("/inbox/").get_data(as_text=True)
    assert DAY.isoformat() in inbox


def test_reminders_are_scoped_and_need_a_post_with_its_token(app, web):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
    # Another township's region: 404, nothing sent.
    assert web("township").post("/reportreminder/", data={"region": "410105002",
                                                           "date": DAY.isoformat()}).status_code == 404
    # An officer may not remind; a GET does nothing; a POST without the CSRF token is refused.
    assert web("officer").post("/reportreminder/", data={"region": "410105001003",
                                                         "date": DAY.isoformat()}).status_code in (302, 403)
    assert web("township").get("/reportreminder/").status_code == 405
    bare = login(app.test_client(), "township")
    assert bare.post("/reportreminder/", data={"region": "410105001", "date": DAY.isoformat()}).status_code == 400
    # A malformed date is refused (flashed, back to the page: the screens' way) and changes nothing.
    assert web("township").post("/reportreminder/", data={"region": "410105001", "date": "x"}).status_code == 302
    with app.app_context():
        assert _inbox() == []


def test_days_before_a_community_went_live_are_not_reminded(app):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        earlier = DAY - dt.timedelta(days=3)
        result = remind_not_reported("410105001", earlier, jurisdiction="410105001")
        assert (result.not_reported, result.reminded, result.messages) == (0, 0, 0)
        result = remind_not_reported("410105001", DAY, jurisdiction="410105001")
        assert (result.not_reported, result.reminded, result.already) == (3, 3, 0)
        assert remind_not_reported(None, DAY, jurisdiction="410105001").already == 3
