"""The rollup service: equal to a direct count on generated data, after every kind of
change, scoped by the jurisdiction, with daily-report compliance."""
import datetime as dt
import random

import pytest

from app.reporting import compliance
from app.stats import rollups
from app.demo import generate_filings
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.stats.rollups import DateRange
from app.stats.summary import verify_summaries
from models.filing import Filing
from tests.daily_reports import add_report
from tests.filing_writes import change_filing, check_filing

NOW = dt.datetime(2026, 2, 12, 4, 0)  # 12:00 in Asia/Shanghai
RANGE = DateRange(dt.date(2025, 12, 1), dt.date(2026, 3, 1))
REGIONS = ("41", "4101", "410105", "410105001", "410105001003", "4102")
COMMUNITIES = ("410105001003", "410105001006", "410105002001", "410102001002", "410202001009")


@pytest.fixture
def generated(app):
    with app.app_context():
        assert generate_filings(400, now=NOW, seed=7) == 400
        yield


def assert_rollups_equal_live_counts():
    for code in REGIONS:
        summary = rollups.rollup(code, RANGE, NOW, jurisdiction=None)
        live = rollups.live_counts(code, RANGE, NOW, jurisdiction=None)
        counts = {k: v for k, v in summary["total"].items() if k in rollups.COUNT_FIELDS}
        assert counts == live["total"], code
        for child in summary["children"]:
            expected = live["children"].get(child["code"]) or rollups.public_counts(None)
            assert {k: child[k] for k in rollups.COUNT_FIELDS} == expected, child["code"]
    assert verify_summaries(db.session) == []


def test_generated_data_covers_every_status(generated):
    statuses = {s for (s,) in db.session.query(Filing.status).distinct()}
    assert statuses == {"submitted", "arrived", "not_arrived", "cancelled", "closed"}
    total = rollups.rollup("41", RANGE, NOW, jurisdiction=None)["total"]
    assert total["filings"] + total["cancelled"] == 400
    assert total["overdue"] > 0 and total["under_control"] > 0 and total["late_notice"] > 0
    assert generate_filings(50, now=NOW) == 0  # demo filings exist: nothing added


def test_rollups_equal_direct_counts_after_every_kind_of_change(generated):
    assert_rollups_equal_live_counts()
    rng = random.Random(3)
    ids = [i for (i,) in db.session.query(Filing.id).order_by(Filing.id)]
    for filing_id in rng.sample(ids, 120):
        action = rng.choice(("edit", "check", "transfer", "cancel", "close"))
        if action == "edit":
            change_filing(filing_id, expected_arrival_at=NOW + dt.timedelta(hours=rng.randint(-900, 300)),
                          risk_area_14d=rng.random() < 0.5, transport_mode=rng.choice(("car", "ship")))
        elif action == "check":
            check_filing(filing_id, arrived=rng.random() < 0.8,
                         control_measure=rng.choice(("none", "home_quarantine")))
        elif action == "transfer":
            change_filing(filing_id, destination_region_code=rng.choice(COMMUNITIES))
        elif action == "cancel":
            change_filing(filing_id, status="cancelled")
        else:
            change_filing(filing_id, status="closed")
    db.session.commit()
    assert_rollups_equal_live_counts()


def test_children_are_one_level_down_with_names(generated):
    result = rollups.rollup("4101", RANGE, NOW, jurisdiction=None)
    assert result["region"] == {"code": "4101", "name": "郑州市", "level": 2}
    assert [c["code"] for c in result["children"]] == ["410102", "410105"]
    assert result["children"][1]["name"] == "金水区"
    assert rollups.rollup("410105001003", RANGE, NOW, jurisdiction=None)["children"] == []


def test_series_and_breakdowns_add_up_to_the_rollup(generated):
    for code in ("41", "410105", "410105001"):
        total = rollups.rollup(code, RANGE, NOW, jurisdiction=None)["total"]
        series = rollups.daily_series(code, RANGE, NOW, jurisdiction=None)
        assert len(series) == len(RANGE.days())
        assert sum(day["filings"] for day in series) == total["filings"]
        provinces, cities = rollups.origins(code, RANGE, jurisdiction=None)
        assert sum(provinces.values()) == sum(cities.values()) == total["filings"]
        assert sum(rollups.transport_modes(code, RANGE, jurisdiction=None).values()) == total["filings"]
        assert set(provinces) <= {"11", "44", "41", "US", "JP", "KR", "SG", "AE", "DE", "GB", "AU", "MY", "TH"}


def test_a_township_counts_its_breakdowns_live_like_the_summary_does(generated):
    """Above the township the breakdowns come from the summary, below from the filings:
    a county with a single busy township must give the same answer both ways."""
    live = rollups.breakdown("410202001", RANGE, "o", jurisdiction=None)
    summary = rollups.breakdown("410202", RANGE, "o", jurisdiction=None)
    assert live == summary


def test_key_figures_of_today(generated):
    today = rollups.rollup("41", DateRange(dt.date(2026, 2, 12), dt.date(2026, 2, 12)), NOW, jurisdiction=None)["total"]
    standing = rollups.rollup("41", DateRange(dt.date(2025, 1, 1), dt.date(2026, 12, 31)), NOW, jurisdiction=None)["total"]
    figures = rollups.key_figures("41", NOW, jurisdiction=None)
    assert figures["today"] == dt.date(2026, 2, 12)
    assert figures["expected_today"] == today["filings"] and figures["arrived_today"] == today["arrived"]
    assert figures["overdue"] == standing["overdue"] and figures["under_control"] == standing["under_control"]


def test_overdue_means_not_checked_by_the_end_of_the_day_after_arrival(app):
    from tests.filing_writes import create_filing

    with app.app_context():
        local = dt.timedelta(hours=8)
        for day in (dt.date(2026, 2, 9), dt.date(2026, 2, 10), dt.date(2026, 2, 11)):
            create_filing(expected_arrival_at=dt.datetime.combine(day, dt.time(23, 30)) - local)
        result = rollups.rollup("410105", RANGE, NOW, jurisdiction=None)["total"]
        # On the 12th the filings of the 9th and 10th are overdue; the 11th's has until midnight.
        assert (result["pending"], result["overdue"]) == (3, 2)
        db.session.commit()


def test_ranges_and_regions_are_checked(app):
    with app.app_context():
        with pytest.raises(ValidationFailed) as error:
            rollups.parse_range("2026-02-30", None)
        assert "from" in error.value.errors
        with pytest.raises(ValidationFailed):
            rollups.parse_range("2026-02-10", "2026-02-01")
        with pytest.raises(ValidationFailed):
            rollups.parse_range("2025-01-01", "2026-02-01")
        assert rollups.parse_range(None, None, today=dt.date(2026, 2, 12)) == DateRange(
            dt.date(2026, 1, 13), dt.date(2026, 2, 19))
        with pytest.raises(NotFound):
            rollups.rollup("410105", RANGE, NOW, jurisdiction="4102")
        with pytest.raises(NotFound):
            rollups.rollup("999999", RANGE, NOW, jurisdiction=None)


# ---- daily-report compliance --------------------------------------------------------

REPORT_DAY = dt.date(2026, 2, 10)  # due 2026-02-11 10:00 Asia/Shanghai = 02:00 UTC
BEFORE_DEADLINE = dt.datetime(2026, 2, 12, 1, 0)  # 09:00 on the 12th: the 11th is not due yet


def _reports():
    add_report("410105001003", REPORT_DAY, dt.datetime(2026, 2, 11, 1, 59))  # on time
    add_report("410105001006", REPORT_DAY, dt.datetime(2026, 2, 11, 2, 30))  # late
    add_report("410105001007", REPORT_DAY)  # prepared, never submitted
    add_report("410105001003", dt.date(2026, 2, 11), dt.datetime(2026, 2, 11, 20, 0))  # on time, due later
    db.session.commit()


def test_compliance_counts_reports_submitted_before_the_deadline(app):
    with app.app_context():
        _reports()
        day = DateRange(REPORT_DAY, REPORT_DAY)
        township = rollups.rollup("410105001", day, NOW, jurisdiction=None)
        assert township["total"]["reports_expected"] == 3 and township["total"]["reports_on_time"] == 1
        assert {c["code"]: c["reports_on_time"] for c in township["children"]} == {
            "410105001003": 1, "410105001006": 0, "410105001007": 0}
        # The 11th is due at 10:00 on the 12th (02:00 UTC): not counted at 09:00.
        two_days = DateRange(REPORT_DAY, dt.date(2026, 2, 11))
        total = rollups.rollup("410105001", two_days, BEFORE_DEADLINE, jurisdiction=None)["total"]
        assert (total["reports_expected"], total["reports_on_time"]) == (3, 1)
        total = rollups.rollup("410105001", two_days, NOW, jurisdiction=None)["total"]
        assert (total["reports_expected"], total["reports_on_time"]) == (6, 2)


def test_compliance_above_the_county_comes_from_the_summary_and_follows_every_write(app, go_live):
    with app.app_context():
        _reports()
        day = DateRange(REPORT_DAY, REPORT_DAY)
        province = rollups.rollup("41", day, NOW, jurisdiction=None)
        zhengzhou = next(c for c in province["children"] if c["code"] == "4101")
        assert (zhengzhou["reports_expected"], zhengzhou["reports_on_time"]) == (9, 1)
        assert province["total"]["reports_expected"] == 11
        db.session.commit()
        # A correction after the deadline is seen at once (the summary once froze the day
        # at its first read after the deadline: issue 12), and a recount agrees.
        add_report("410102001002", REPORT_DAY, dt.datetime(2026, 2, 11, 0, 0))
        assert rollups.rollup("41", day, NOW, jurisdiction=None)["total"]["reports_on_time"] == 2
        compliance.recount_report_compliance(days=[REPORT_DAY])
        assert rollups.rollup("41", day, NOW, jurisdiction=None)["total"]["reports_on_time"] == 2
        assert rollups.rollup("4101", day, NOW, jurisdiction=None)["total"]["reports_on_time"] == 2
        assert compliance.summary_differences() == []


def test_heatmap_of_a_township(app):
    with app.app_context():
        _reports()
        communities, days, cells = rollups.report_heatmap(
            "410105001", DateRange(REPORT_DAY, dt.date(2026, 2, 11)), BEFORE_DEADLINE, jurisdiction=None)
        assert [c.code for c in communities] == ["410105001003", "410105001006", "410105001007"]
        assert cells["410105001003"] == {REPORT_DAY: "on_time", dt.date(2026, 2, 11): "on_time"}
        assert cells["410105001006"] == {REPORT_DAY: "late", dt.date(2026, 2, 11): "not_due"}
        assert cells["410105001007"][REPORT_DAY] == "missing"
        assert rollups.report_heatmap("410105", DateRange(REPORT_DAY, REPORT_DAY), NOW, jurisdiction=None) is None


def test_days_before_a_community_went_live_are_not_expected(app):
    """Without GO_LIVE_DATE a community is expected from its first report; the days
    before are neither expected nor missing, in the rollups and in the heat map."""
    with app.app_context():
        add_report("410105001003", REPORT_DAY, dt.datetime(2026, 2, 11, 1, 59))
        add_report("410105001006", dt.date(2026, 2, 11))  # its first: the 11th, not submitted
        db.session.commit()
        week = DateRange(dt.date(2026, 2, 4), dt.date(2026, 2, 11))
        now = dt.datetime(2026, 2, 12, 3, 0)
        total = rollups.rollup("41", week, now, jurisdiction=None)["total"]
        # 410105001003: 10th and 11th; 410105001006: the 11th; others: not live.
        assert (total["reports_expected"], total["reports_on_time"]) == (3, 1)
        township = rollups.rollup("410105001", week, now, jurisdiction=None)
        assert {c["code"]: c["reports_expected"] for c in township["children"]} == {
            "410105001003": 2, "410105001006": 1, "410105001007": 0}
        figures = rollups.key_figures("41", now, jurisdiction=None)
        assert (figures["reports_expected"], figures["reports_on_time"]) == (2, 0)
        _communities, _days, cells = rollups.report_heatmap("410105001", week, now, jurisdiction=None)
        assert cells["410105001003"][dt.date(2026, 2, 9)] == "not_live"
        assert cells["410105001003"][REPORT_DAY] == "on_time"
        assert cells["410105001003"][dt.date(2026, 2, 11)] == "missing"
        assert cells["410105001006"][REPORT_DAY] == "not_live"
        assert cells["410105001006"][dt.date(2026, 2, 11)] == "missing"
        assert set(cells["410105001007"].values()) == {"not_live"}
        # A report written for an earlier day moves the start back; a recount agrees.
        add_report("410105001006", dt.date(2026, 2, 8), dt.datetime(2026, 2, 9, 1, 0))
        db.session.commit()
        assert rollups.rollup("410105001", week, now, jurisdiction=None)["total"]["reports_expected"] == 6
        compliance.recount_report_compliance()
        assert rollups.rollup("410105001", week, now, jurisdiction=None)["total"]["reports_expected"] == 6


def test_go_live_date_makes_every_community_expected_from_that_day(app, go_live):
    with app.app_context():
        app.config["GO_LIVE_DATE"] = dt.date(2026, 2, 10)
        week = DateRange(dt.date(2026, 2, 4), dt.date(2026, 2, 11))
        total = rollups.rollup("410105001", week, dt.datetime(2026, 2, 12, 3, 0), jurisdiction=None)["total"]
        assert total["reports_expected"] == 3 * 2  # three communities, the 10th and 11th
