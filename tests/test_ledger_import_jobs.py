"""Ledger imports at township scale: a resident file is checked and written set-based
(a few statements, however many rows), and a large upload on the web page runs as a
job the page polls, all or nothing, taken over when its runner dies."""
import datetime as dt

import pytest
from sqlalchemy import event, func, select

from app.core.excel import to_xlsx
from app.core.extensions import db
from app.ledgers import jobs as ledger_jobs
from app.ledgers.engine import import_file
from app.ledgers.tables import TABLES
from models.base import utcnow
from models.ledger import Household, ImportJob, Resident
from tests.ledger_data import GRID_MEMBER, make_world, resident_id, upload
from tests.test_ledgers_excel import RESIDENT_HEADERS


@pytest.fixture
def world(app):
    return make_world(app)


def resident_rows(count: int, grid: str = "网格A2", first: int = 0) -> list:
    """``count`` residents, three to a household, in ``grid`` of 体育社区."""
    rows = []
    for index in range(first, first + count):
        household, member = divmod(index, 3)
        number = resident_id(index % 900 + 100, birth=dt.date(1960, 1, 1) + dt.timedelta(days=index // 900))
        rows.append(["410105001003", grid, "", "", f"{household + 1}号", f"居民{index}", "", number,
                     f"139{index:08d}", ("户主", "配偶", "子女")[member], ("常住", "常住", "在外")[member],
                     "广东省" if member == 2 else "", "", ""])
    return rows


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _statements(app, rows) -> int:
    """How many SQL statements importing ``rows`` takes (as the whole province)."""
    data, seen = to_xlsx(RESIDENT_HEADERS, rows), []
    with app.app_context():
        engine = db.engine
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            import_file(TABLES["resident"], data, "r.xlsx", jurisdiction=None)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_a_resident_file_takes_a_few_statements_however_many_rows(app, world):
    small = _statements(app, resident_rows(30))
    large = _statements(app, resident_rows(300, first=30))
    assert large <= small + 4, (small, large)  # not a query per row
    again = _statements(app, resident_rows(330))  # every row matched: an unchanged re-import
    assert again <= small + 4, (small, again)
    assert _count(app, Resident) == 4 + 330 and _count(app, Household) == 4 + 110


def test_set_based_checks_say_what_the_row_by_row_ones_said(app, api, world):
    rows = resident_rows(3)
    rows[1][9] = "户主"                                   # a second head of household 1
    rows += [resident_rows(1)[0]]                         # repeats row 2
    client = api(GRID_MEMBER)                             # grid A1 only
    response = client.post("/api/v1/resident/import", content_type="multipart/form-data",
                           data=upload(to_xlsx(RESIDENT_HEADERS, rows)))
    assert response.status_code == 400
    assert sorted(response.json["errors"], key=int) == ["2", "3", "4", "5"]  # A2 is outside grid A1
    response = api("township").post("/api/v1/resident/import", content_type="multipart/form-data",
                                    data=upload(to_xlsx(RESIDENT_HEADERS, rows)))
    errors = response.json["errors"]
    assert sorted(errors, key=int) == ["3", "5"], errors
    assert errors["3"] == ["与户主关系: 该户已有户主。"] and "与第 2 行重复" in errors["5"][0]
    # The person of grid A1, written again under grid A2 by the township: one per community.
    moved = [["410105001003", "网格A2", "", "", "1号", "居民A1", "", resident_id(1), "", "子女", "常住", "", "", ""]]
    response = api("township").post("/api/v1/resident/import", content_type="multipart/form-data",
                                    data=upload(to_xlsx(RESIDENT_HEADERS, moved)))
    assert response.status_code == 200 and response.json == {"created": 0, "updated": 1, "unchanged": 0}
    # ... while a grid member of A1 does not see the person of grid A2 and may not add them.
    twice = [["410105001003", "网格A1", "", "", "9号", "居民A1", "", resident_id(1), "", "子女", "常住", "", "", ""]]
    response = client.post("/api/v1/resident/import", content_type="multipart/form-data",
                           data=upload(to_xlsx(RESIDENT_HEADERS, twice)))
    assert response.status_code == 400 and "此人已在本社区登记（网格A2 1号）" in response.json["errors"]["2"][0]
    assert _count(app, Resident) == 4


def test_a_large_upload_runs_as_a_job_the_page_follows(app, web, world, monkeypatch):
    started = []
    monkeypatch.setitem(app.config, "LEDGER_IMPORT_INLINE_BYTES", 0)
    monkeypatch.setattr(ledger_jobs, "start", started.append)  # run below, not on a thread
    client = web("township")
    response = client.post("/residentview/import/", data=upload(to_xlsx(RESIDENT_HEADERS, resident_rows(60))),
                           content_type="multipart/form-data")
    assert response.status_code == 302 and started == [int(response.location.rstrip("/").split("/")[-1])]
    got = client.get(response.location)
    page = got.get_data(as_text=True)
    assert "progress-bar" in page and "等待开始" in page
    status = client.get(f"{response.location}/status").json
    assert status["status"] == "queued" and not status["finished"]
    assert _count(app, Resident) == 4
    with app.app_context():
        assert ledger_jobs.run(started[0]) == "done"
        assert ledger_jobs.run(started[0]) is None  # taken once
    status = client.get(f"{response.location}/status").json
    assert status["finished"] and status["percent"] == 100 and status["total"] == 60
    page = client.get(response.location).get_data(as_text=True)
    assert "已导入：新增 60 条，更新 0 条，未变 0 条" in page and "progress-bar" not in page
    assert _count(app, Resident) == 64
    assert web("officer").get(response.location).status_code == 404  # another's job
    assert client.get(response.location.replace("residentview", "householdview")).status_code == 404


def _enqueue(app, rows, jurisdiction="410105001") -> int:
    with app.app_context():
        data = "\n".join(",".join(row) for row in [RESIDENT_HEADERS, *rows]).encode("utf-8-sig")
        job_id = ledger_jobs.enqueue("resident", data, "r.csv", jurisdiction=jurisdiction, user_id=None,
                                     locale="en")
        assert resident_id(100).encode() not in db.session.get(ImportJob, job_id).data  # kept encrypted
        return job_id


def test_a_job_with_bad_rows_lists_every_one_and_writes_nothing(app, world):
    rows = resident_rows(30)
    rows[4][7], rows[20][0] = "410105199001011230", "410105002001"  # a bad check digit; township2's
    job_id = _enqueue(app, rows)
    with app.app_context():
        assert ledger_jobs.run(job_id) == "rejected"
        job = db.session.get(ImportJob, job_id)
        problems = ledger_jobs.problems_of(job)
    assert [row for row, _column, _message in problems] == [6, 22]
    assert problems[0][1] == "ID number" and "check" in problems[0][2]  # in the importer's language
    assert _count(app, Resident) == 4


def test_a_job_whose_worker_died_is_run_again_by_the_scheduler(app, world):
    job_id = _enqueue(app, resident_rows(9))
    now = utcnow()
    with app.app_context():
        dead = ledger_jobs._claim(job_id, now - dt.timedelta(hours=1))  # a runner that died mid-way
        assert dead and ledger_jobs.resume_stalled_jobs(now - dt.timedelta(hours=1, seconds=-30)) == []
        assert ledger_jobs.resume_stalled_jobs(now) == [job_id]
        job = db.session.get(ImportJob, job_id)
        assert (job.status, job.created, job.attempts, job.data) == ("done", 9, 2, b"")  # the file is gone
        assert ledger_jobs.finish(job_id, dead, "failed") is None  # the dead runner's lease is gone
    assert _count(app, Resident) == 13


def test_a_job_that_keeps_dying_fails_and_says_so(app, world):
    job_id = _enqueue(app, resident_rows(3))
    with app.app_context():
        for attempt in range(ledger_jobs.MAX_ATTEMPTS):  # each runner dies an hour after the last
            assert ledger_jobs._claim(job_id, utcnow() - dt.timedelta(hours=ledger_jobs.MAX_ATTEMPTS - attempt))
        ledger_jobs.resume_stalled_jobs(utcnow())
        job = db.session.get(ImportJob, job_id)
        assert job.status == "failed" and job.attempts == ledger_jobs.MAX_ATTEMPTS
    assert _count(app, Resident) == 4


def test_the_api_imports_as_a_job_with_async_and_answers_its_state(app, api, world, monkeypatch):
    started = []
    monkeypatch.setattr(ledger_jobs, "start", started.append)  # run below, not on a thread
    client = api("township")
    response = client.post("/api/v1/resident/import?async=1",
                           data=upload(to_xlsx(RESIDENT_HEADERS, resident_rows(30))), content_type="multipart/form-data")
    assert response.status_code == 202, response.json
    url = response.json["url"]
    assert response.headers["Location"] == url and started == [response.json["job"]]
    state = client.get(url).json
    assert state["status"] == "queued" and not state["finished"] and state["created"] is None
    assert _count(app, Resident) == 4
    with app.app_context():
        assert ledger_jobs.run(started[0]) == "done"
    state = client.get(url).json
    assert (state["status"], state["created"], state["total"], state["errors"]) == ("done", 30, 30, {})
    assert _count(app, Resident) == 34
    assert api("officer").get(url).status_code == 404                                  # another's job
    assert client.get(url.replace("/resident/", "/household/")).status_code == 404     # another ledger

    # A bad file as a job: rejected, every problem by row, nothing written.
    bad = resident_rows(2, first=100)
    bad[1][7] = "not a number"
    response = client.post("/api/v1/resident/import?async=1", data=upload(to_xlsx(RESIDENT_HEADERS, bad)),
                           content_type="multipart/form-data")
    with app.app_context():
        assert ledger_jobs.run(response.json["job"]) == "rejected"
    state = client.get(response.json["url"]).json
    assert state["status"] == "rejected" and list(state["errors"]) == ["3"] and state["created"] is None
    assert _count(app, Resident) == 34
    # Without async: at once, as before.
    response = client.post("/api/v1/resident/import", data=upload(to_xlsx(RESIDENT_HEADERS, resident_rows(3, first=200))),
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.json["created"] == 3


def test_the_command_queues_a_job_and_shows_it(app, world, tmp_path):
    path = tmp_path / "residents.xlsx"
    path.write_bytes(to_xlsx(RESIDENT_HEADERS, resident_rows(6)))
    runner = app.test_cli_runner()
    queued = runner.invoke(args=["ledgers", "import", "resident", str(path), "--async"])
    assert queued.exit_code == 0, queued.output
    job_id = int(queued.output.split("import job ")[1].split(":")[0])
    assert _count(app, Resident) == 4
    shown = runner.invoke(args=["ledgers", "job", str(job_id)])
    assert shown.exit_code == 0 and "queued" in shown.output
    ran = runner.invoke(args=["ledgers", "job", str(job_id), "--run"])
    assert ran.exit_code == 0 and "created 6, updated 0, unchanged 0" in ran.output, ran.output
    assert _count(app, Resident) == 10
    assert runner.invoke(args=["ledgers", "job", "999999"]).exit_code != 0
