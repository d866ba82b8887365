"""Privacy by retention: RETENTION_DAYS after a filing was cancelled, closed or its
control ended, its personal data is gone (filing, revisions, checks, transfers, SMS),
while the counts, the statistics and the audit trail stay as they were."""
import datetime as dt

from sqlalchemy import select

from app.filings import service as filings
from app.core import identity
from app.stats import summary as stats_summary
from app.core.audit_chain import seal, verify
from app.core.extensions import db
from models import AuditLog, Filing, FilingCheck, FilingRevision, FilingTransfer, Notification
from models.base import utcnow
from scheduler import jobs
from tests.filing_data import NEIGHBOUR_COMMUNITY, iso, report

T0 = utcnow().replace(microsecond=0)
DAY = dt.timedelta(days=1)
NOTE = "邻居李四说他已回家"
REASON = "搬到亲戚王五家住"


def file(app, name, days_ahead=5):
    body = report(now=T0, days_ahead=days_ahead, name=name, proxy_name="代报人", proxy_phone="13900001111",
                  proxy_relation="child")
    with app.test_request_context(), db.engine.begin() as conn:
        created = filings.create_filings(conn, [body], now=T0, channel="web", jurisdiction=None)[0]
    return created, body["id_number"]


def check(app, created, at, control_end):
    data = {"method": "visit", "arrived": True, "control_measure": "home_quarantine",
            "control_start": iso(T0 + 5 * DAY), "control_end": iso(control_end), "note": NOTE}
    with app.test_request_context(), db.engine.begin() as conn:
        filings.record_check(conn, created.id, data, now=at, jurisdiction="41")


def the_filings(app):
    """Filings: A cancelled at T0+1d, B closed (control ended T0+7d, transferred),
    C arrived whose control ends T0+10d, D open, E cancelled at T0+35d."""
    made = {}
    for key, days_ahead in (("A", 5), ("B", 5), ("C", 5), ("D", 5), ("E", 60)):
        made[key] = file(app, f"姓名{key}", days_ahead)
    with app.test_request_context(), db.engine.begin() as conn:
        filings.cancel_filing(conn, made["A"][0].receipt, made["A"][0].token, now=T0 + DAY)
    check(app, made["B"][0], T0 + 8 * DAY, T0 + 7 * DAY)
    with app.test_request_context(), db.engine.begin() as conn:
        filings.transfer_filing(conn, made["B"][0].id, {"to_region_code": NEIGHBOUR_COMMUNITY,
                                                         "reason": REASON}, now=T0 + 9 * DAY, jurisdiction="41")
    check(app, made["C"][0], T0 + 6 * DAY, T0 + 10 * DAY)
    with app.test_request_context(), db.engine.begin() as conn:
        filings.cancel_filing(conn, made["E"][0].receipt, made["E"][0].token, now=T0 + 35 * DAY)
    return made


def anonymised(app):
    with app.app_context():
        return set(db.session.scalars(select(Filing.name).where(Filing.anonymised_at.is_not(None))))


def purge(app, at):
    with app.app_context():
        return jobs.retention_job(at)


def test_each_kind_of_finished_filing_is_anonymised_after_the_retention_days(app):
    made = the_filings(app)
    with app.app_context():
        names = {row.id: row.name for row in db.session.scalars(select(Filing))}
    assert purge(app, T0 + 20 * DAY) == 0
    assert purge(app, T0 + 30 * DAY) == 1          # A: cancelled 29 days ago
    assert purge(app, T0 + 36 * DAY) == 1          # B: control ended 29 days ago
    assert purge(app, T0 + 39 * DAY) == 1          # C: control ended 29 days ago
    assert purge(app, T0 + 39 * DAY) == 0          # idempotent
    with app.app_context():
        done = {row.id for row in db.session.scalars(select(Filing).where(Filing.anonymised_at.is_not(None)))}
    assert done == {made[key][0].id for key in "ABC"}
    assert {names[i] for i in done} == {"姓名A", "姓名B", "姓名C"}


def test_personal_data_is_gone_everywhere_and_the_rest_is_kept(app):
    made = the_filings(app)
    with app.app_context():
        seal(db.engine)
        before = stats_summary.verify_summaries(db.session)
        statuses = dict(db.session.execute(select(Filing.id, Filing.status)).all())
    assert before == []
    result = app.test_cli_runner().invoke(args=["jobs", "purge", "--now", (T0 + 60 * DAY).isoformat() + "Z"])
    assert result.exit_code == 0 and "3 filings anonymised" in result.output, result.output
    gone = {made[key][0].id for key in "ABC"}
    with app.app_context():
        rows = {row.id: row for row in db.session.scalars(select(Filing))}
        for filing_id in gone:
            row = rows[filing_id]
            assert row.name == "***" and row.id_number_masked == "***" and row.id_number_enc == ""
            assert row.phone_enc is row.phone_hash is row.phone_masked is row.birth_date is None
            assert row.proxy_name is row.proxy_phone_enc is row.proxy_relation is None
            assert row.origin_address is None and row.destination_address == "***"
            assert row.transport_no is None and row.work_unit is None
        kept = rows[made["D"][0].id]
        assert kept.name == "姓名D" and kept.phone_masked and kept.anonymised_at is None
        # Nobody is found by ID number or phone any more, nor by the filer's token.
        with db.engine.connect() as conn:
            for key in "ABC":
                assert filings.find_filings(conn, "41", made[key][1]) == []
            assert [r["id"] for r in filings.find_filings(conn, "41", made["D"][1])] == [made["D"][0].id]
        assert not db.session.scalars(select(Filing).where(
            Filing.id_number_hash == identity.lookup_hash(made["A"][1]))).all()
        # Revisions, checks, transfers and messages of these filings hold nothing personal.
        revisions = db.session.scalars(select(FilingRevision.changes).where(FilingRevision.filing_id.in_(gone))).all()
        assert revisions and not any(word in text for text in revisions
                                     for word in ("姓名", "南山区", "体育路", NOTE, REASON, "G802"))
        assert any("status" in text for text in revisions)  # what is not personal stays
        assert db.session.scalars(select(FilingCheck.note).where(FilingCheck.filing_id.in_(gone))).all() == [None, None]
        assert db.session.scalars(select(FilingTransfer.reason)).all() == ["***"]
        messages = db.session.scalars(select(Notification).where(Notification.filing_id.in_(gone))).all()
        assert len(messages) == 4  # three receipts, one transfer
        assert all(m.body == "***" and m.recipient is None and m.status != "pending" for m in messages)
        assert "姓名D" in db.session.scalar(select(Notification.body).where(
            Notification.filing_id == made["D"][0].id))
        # Counts, statistics and the audit trail are as they were.
        assert dict(db.session.execute(select(Filing.id, Filing.status)).all()) == statuses
        assert stats_summary.verify_summaries(db.session) == []
        assert verify(db.session.connection()).ok
    assert app.test_cli_runner().invoke(args=["stats", "verify"]).exit_code == 0


def test_the_audit_log_never_holds_a_filings_personal_values(app):
    the_filings(app)
    with app.app_context():
        entries = " ".join(db.session.scalars(select(AuditLog.changes).where(
            AuditLog.entity.like("Filing%"))).all())
    assert "status" in entries
    assert not any(word in entries for word in ("姓名", NOTE, REASON, "南山区"))


def test_staff_edits_of_a_filing_keep_the_names_out_of_the_audit_log(app, web):
    created, _id_number = file(app, "原名字")
    officer = web("officer")
    response = officer.post(f"/filingview/edit/{created.id}", data={
        "name": "新名字", "transport_mode": "train", "destination_address": "新地址1号"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Filing, created.id).name == "新名字"
        entries = " ".join(db.session.scalars(select(AuditLog.changes).where(AuditLog.entity == "Filing")).all())
    assert "name" in entries and "新名字" not in entries and "原名字" not in entries
