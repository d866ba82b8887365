"""Ledger imports off the web request: a job row in the database that the page polls.

The upload is stored as a job (``enqueue``, with the importer's jurisdiction and
language; the file encrypted, as it holds ID numbers, and emptied once the job ends) and the web worker that took it starts a thread running it (``start``), so
the request answers at once and gunicorn's timeout never applies. Any worker answers
the page's polls: the state is in the job row, not in a process.

A job is run by whoever claims it (``run``): one conditional UPDATE takes a queued job,
or a running one whose lease (``heartbeat_at``, renewed with each progress report) ran
out. The file is checked first (a read-only transaction; progress goes to the job row
on a connection of its own), then written in one transaction that begins by taking the
job row and ends by recording the result: the data and "done" commit together, or
neither. A file with bad rows is "rejected" with every problem, nothing written.

When the worker running a job is restarted, its transaction dies with it (nothing is
half written) and the lease runs out; the scheduler's ``resume_stalled_jobs`` (every
minute) runs it again, at most ``MAX_ATTEMPTS`` times, then says it failed. A job
queued whose thread never started is taken the same way.
"""
import json
import logging
import secrets
import threading
from datetime import timedelta
from typing import Optional

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import or_, select, update

from app.core.errors import ImportRejected
from app.core.extensions import db
from app.core.identity import decrypt_bytes, encrypt_bytes
from app.core.transaction import transaction
from app.ledgers.engine import ImportResult, check_file, write_checked
from app.ledgers.tables import TABLES
from models.base import utcnow
from models.ledger import ImportJob

log = logging.getLogger("console.ledgers.jobs")
LEASE_SECONDS = 120        # a runner silent this long is taken for dead
QUEUED_GRACE_SECONDS = 30  # a queued job no thread took by then is run by the scheduler
MAX_ATTEMPTS = 3
PROGRESS_EVERY_SECONDS = 0.5
FINISHED = ("done", "rejected", "failed")
# kind -> runner(job id, lease token, argument, data, filename, jurisdiction, user id) -> final status
RUNNERS: dict = {}


def register_runner(kind: str, runner) -> None:
    RUNNERS[kind] = runner


@transaction
def enqueue(ledger: str, data: bytes, filename: str, *, jurisdiction: Optional[str], user_id: Optional[int],
            locale: str = "zh") -> int:
    job = ImportJob(ledger=ledger, data=encrypt_bytes(data), filename=(filename or "")[:200], jurisdiction=jurisdiction,
                    user_id=user_id, locale=locale, status="queued")
    db.session.add(job)
    db.session.flush()
    return job.id


def start(job_id: int) -> threading.Thread:
    """Run the job on a thread of this process (in its own app context)."""
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            run(job_id)

    thread = threading.Thread(target=work, name=f"ledger-import-{job_id}", daemon=True)
    thread.start()
    return thread


def job_of(job_id: int, user_id: Optional[int]) -> Optional[ImportJob]:
    """The job, if ``user_id`` started it (anyone else: None, as if missing)."""
    return db.session.scalar(select(ImportJob).where(ImportJob.id == job_id, ImportJob.user_id == user_id))


def problems_of(job: ImportJob) -> list:
    return [tuple(problem) for problem in json.loads(job.problems or "[]")]


def result_of(job: ImportJob) -> Optional[ImportResult]:
    return ImportResult(job.created, job.updated, job.unchanged) if job.status == "done" else None


def progress_of(job: ImportJob) -> dict:
    """What a person is told while the job runs (in their language)."""
    percent = min(100, 100 * job.done // job.total) if job.total else 0
    if job.status == "queued":
        label = _("Waiting to start…")
    elif job.status == "running" and ":" in job.ledger:  # another kind: its progress is its own
        label = _("Importing the rows…")
    elif job.status == "running" and job.total and job.done >= job.total:
        label = _("All %(n)s rows checked; writing them…", n=job.total)
    elif job.status == "running":
        label = _("Checking the rows: %(done)s of %(total)s…", done=job.done, total=job.total or "?")
    else:
        label = _("Finished.")
    return {"status": job.status, "done": job.done, "total": job.total, "percent": percent, "label": label,
            "finished": job.status in FINISHED}


def state_of(job: ImportJob) -> dict:
    """A job as the API answers it: its progress, then its counts or its problems by row
    (``{"3": ["column: message"]}``, the shape of a refused import)."""
    result = result_of(job)
    errors = ImportRejected(problems_of(job)).errors if job.status == "rejected" else {}
    return {**progress_of(job), "created": result and result.created, "updated": result and result.updated,
            "unchanged": result and result.unchanged, "errors": errors}


# ---- running a job ---------------------------------------------------------------

@transaction
def _claim(job_id: int, now) -> Optional[str]:
    token = secrets.token_hex(16)
    stale = now - timedelta(seconds=LEASE_SECONDS)
    claimed = db.session.execute(update(ImportJob).where(
        ImportJob.id == job_id, ImportJob.attempts < MAX_ATTEMPTS,
        or_(ImportJob.status == "queued", (ImportJob.status == "running") & (ImportJob.heartbeat_at < stale)),
    ).values(status="running", claim=token, heartbeat_at=now, attempts=ImportJob.attempts + 1))
    return token if claimed.rowcount == 1 else None


def run(job_id: int, now=None) -> Optional[str]:
    """Claim and run the job; its final status, or None if someone else runs it."""
    token = _claim(job_id, now or utcnow())
    if token is None:
        return None
    job = db.session.get(ImportJob, job_id)
    ledger, filename, jurisdiction, locale = job.ledger, job.filename, job.jurisdiction, job.locale
    data = decrypt_bytes(job.data)
    user_id = job.user_id
    db.session.rollback()  # end the read: the check runs in a transaction of its own
    kind, _colon, argument = ledger.partition(":")
    with force_locale(locale):
        if kind in RUNNERS:
            try:
                return RUNNERS[kind](job_id, token, argument, data, filename, jurisdiction, user_id)
            except Exception:
                db.session.rollback()
                log.exception("import job %s failed", job_id)
                return finish(job_id, token, "failed")
        try:
            checked = check_file(TABLES[ledger], data, filename, JobProgress(job_id, token),
                                 jurisdiction=jurisdiction)
            db.session.rollback()  # the check wrote nothing; its snapshot ends here
            return _write(job_id, token, checked)
        except ImportRejected as rejected:
            db.session.rollback()
            problems = [[row, str(column), str(message)] for row, column, message in rejected.problems]
            return finish(job_id, token, "rejected", problems=json.dumps(problems, ensure_ascii=False))
        except Exception:
            db.session.rollback()
            log.exception("ledger import job %s failed", job_id)
            return finish(job_id, token, "failed")


@transaction
def _write(job_id: int, token: str, checked) -> str:
    # Taking the job row first makes this the writer (SQLite: the write lock, before
    # anything is read), and proves the lease is still ours.
    if not _mine(job_id, token, heartbeat_at=utcnow()):
        raise RuntimeError("the lease of the import job was lost")
    result = write_checked(checked, verify=True)
    _mine(job_id, token, status="done", created=result.created, updated=result.updated,
          unchanged=result.unchanged, finished_at=utcnow(), data=b"")
    return "done"


@transaction
def finish(job_id: int, token: str, status: str, **values) -> Optional[str]:
    """End the job (if its lease is still ``token``'s) with ``status`` and ``values``."""
    return status if _mine(job_id, token, status=status, finished_at=utcnow(), data=b"", **values) else None


def _mine(job_id: int, token: str, **values) -> bool:
    return db.session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.claim == token)
                              .values(**values)).rowcount == 1


class JobProgress:
    """``progress(done, total)`` for the engine: written to the job row on a connection
    of its own (the import's transaction commits only at the end), at most twice a
    second, renewing the lease."""

    def __init__(self, job_id: int, token: str):
        self.job_id, self.token, self.last = job_id, token, None

    def __call__(self, done: int, total: int) -> None:
        now = utcnow()
        if self.last is not None and (now - self.last).total_seconds() < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        with db.engine.begin() as conn:
            conn.execute(update(ImportJob).where(ImportJob.id == self.job_id, ImportJob.claim == self.token)
                         .values(done=done, total=total, heartbeat_at=now))


# ---- the scheduler's part ----------------------------------------------------------

def resume_stalled_jobs(now) -> list:
    """Run the jobs whose runner died (lease out) or never started; those tried
    ``MAX_ATTEMPTS`` times fail. Returns the ids run."""
    stale, late = now - timedelta(seconds=LEASE_SECONDS), now - timedelta(seconds=QUEUED_GRACE_SECONDS)
    stalled = list(db.session.scalars(select(ImportJob.id).where(or_(
        (ImportJob.status == "queued") & (ImportJob.created_at < late),
        (ImportJob.status == "running") & (ImportJob.heartbeat_at < stale))).order_by(ImportJob.id)))
    db.session.rollback()
    _give_up(now)
    for job_id in stalled:
        run(job_id, now)
    return stalled


@transaction
def _give_up(now) -> None:
    stale = now - timedelta(seconds=LEASE_SECONDS)
    db.session.execute(update(ImportJob).where(
        ImportJob.status == "running", ImportJob.heartbeat_at < stale, ImportJob.attempts >= MAX_ATTEMPTS,
    ).values(status="failed", finished_at=now, data=b""))
