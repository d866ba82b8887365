"""A large feed upload runs as a job (the ledger imports' machinery, app.ledgers.jobs)
with a progress bar the page polls; still all or nothing with every bad row listed; the
job's page leads to the batch it made; another's job answers 404."""
import io
import json

from sqlalchemy import func, select

from app.core import identity
from app.core.dialects import sqlite as sqlite_dialect
from app.core.extensions import db
from app.crossmatch import feed_jobs, feeds
from app.ledgers import jobs as ledger_jobs
from models.base import utcnow
from models.crossmatch import FeedBatch, FeedTestResult
from models.healthcode import HealthCode
from models.ledger import ImportJob
from tests.filing_data import resident_id

HEADER = "身份证号,姓名,采样时间,检测结果,检测机构\n"


def feed_csv(count: int, bad_lines=()) -> bytes:
    rows = []
    for n in range(count):
        number = resident_id(sequence=n % 1000, birth=f"1990{1 + n // 28000 % 12:02d}{1 + n // 1000 % 28:02d}")
        rows.append(f"{number},王五,2026-03-09 08:00,{'不知道' if n + 2 in bad_lines else '阴性'},金域\n")
    return (HEADER + "".join(rows)).encode()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_large_feed_upload_runs_as_a_job_the_page_follows(app, web, monkeypatch):
    started = []
    monkeypatch.setitem(app.config, "FEED_IMPORT_INLINE_BYTES", 0)
    monkeypatch.setattr(ledger_jobs, "start", started.append)  # run below, not on a thread
    client = web("province")
    response = client.post("/feedbatchview/upload/", data={"source": "test_result",
                                                           "file": (io.BytesIO(feed_csv(300)), "t.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and started == [int(response.location.rstrip("/").split("/")[-1])]
    page = client.get(response.location).get_data(as_text=True)
    assert "progress-bar" in page and "等待开始" in page
    status = client.get(f"{response.location}/status").json
    assert status["status"] == "queued" and not status["finished"]
    assert _count(app, FeedTestResult) == 0
    with app.app_context():
        assert ledger_jobs.run(started[0]) == "done"
        assert ledger_jobs.run(started[0]) is None  # taken once
        job = db.session.get(ImportJob, started[0])
        assert job.data == b"" and job.created == 300
        batch_id = job.outcome_id
    assert client.get(f"{response.location}/status").json["finished"]
    done = client.get(response.location)
    assert done.status_code == 302 and done.location.endswith(f"/feedbatchview/show/{batch_id}")
    assert _count(app, FeedTestResult) == 300
    assert web("city2").get(response.location).status_code == 404           # another's job
    assert web("city2").get(f"{response.location}/status").status_code == 404


def test_a_feed_job_with_bad_rows_lists_every_one_and_imports_nothing(app, web):
    with app.app_context():
        job_id = feed_jobs.enqueue("test_result", feed_csv(200, bad_lines=(7, 150)), "t.csv",
                                   jurisdiction=None, user_id=None, locale="en")
        assert ledger_jobs.run(job_id) == "rejected"
        job = db.session.get(ImportJob, job_id)
        batch = db.session.get(FeedBatch, job.outcome_id)
        assert batch.status == "rejected" and [p["line"] for p in json.loads(batch.rejected)] == [7, 150]
    assert _count(app, FeedTestResult) == 0


def test_a_feed_job_reports_its_progress(app, monkeypatch):
    reported = []
    monkeypatch.setattr(ledger_jobs, "JobProgress", lambda job, token: lambda done, total: reported.append((done, total)))
    monkeypatch.setattr(sqlite_dialect, "ONE_WRITER", False)  # as on PostgreSQL
    with app.app_context():
        job_id = feed_jobs.enqueue("test_result", feed_csv(20), "t.csv", jurisdiction=None, user_id=None)
        assert ledger_jobs.run(job_id) == "done"
    # Checking the 20 rows, then storing them: one bar to 2 × 20.
    assert reported[0] == (0, 40) and reported[-1] == (40, 40)


def test_a_feed_jobs_colours_change_right_after_its_rows_commit(app, monkeypatch):
    """The job commits the rows, then decides the colours of the people they name in a
    transaction of its own: no human step; the import alone leaves them to it."""
    committed = []
    refresh = feeds.refresh_colours
    monkeypatch.setattr(feeds, "refresh_colours", lambda batch_id, now: (
        committed.append(_count(app, FeedTestResult)), refresh(batch_id, now)))
    positive, later = resident_id(sequence=901), resident_id(sequence=902)
    data = (HEADER + f"{positive},王五,2026-03-09 08:00,阳性,金域\n").encode()
    with app.app_context():
        job_id = feed_jobs.enqueue("test_result", data, "t.csv", jurisdiction=None, user_id=None)
        assert ledger_jobs.run(job_id) == "done"
        assert committed == [1]   # the rows were in before the colours were decided
        code = db.session.get(HealthCode, identity.lookup_hash(positive))
        assert (code.colour, code.rule) == ("red", "positive")

        # Without the job's second step the import leaves the colours as they were.
        outcome = feeds.import_feed("test_result", jurisdiction=None, data=data.replace(
            positive.encode(), later.encode()), filename="t.csv", colours_after_commit=True)
        assert not outcome.refused and db.session.get(HealthCode, identity.lookup_hash(later)) is None
        refresh(outcome.batch.id, utcnow())
        assert db.session.get(HealthCode, identity.lookup_hash(later)).colour == "red"

        # The same file again changes nothing: no colours decided again.
        again = feed_jobs.enqueue("test_result", data, "t.csv", jurisdiction=None, user_id=None)
        assert ledger_jobs.run(again) == "done" and committed == [1]
