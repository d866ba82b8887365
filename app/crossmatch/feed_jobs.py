"""A large feed file imported off the web request, with a progress bar the page polls:
the ledger imports' job machinery (app.ledgers.jobs: the job row, its lease, the thread,
the scheduler resuming a job whose worker died), with the feed import as its work.

The import is the same as any (app.crossmatch.feeds.import_feed): all or nothing, every
bad row listed, in one transaction that ends the job too. It makes a batch either way
(imported, or rejected with its problems), and the job keeps its id: the batch's page
shows the outcome. The colours of the people a new batch names are decided right after
it commits, in a transaction of their own (app.crossmatch.feeds.refresh_colours).
Progress goes to the job row on a connection of its own while the rows are checked and
stored. On a database of one writer at a time (SQLite) it cannot
(the import's transaction would lose its snapshot to the progress writes): the page
shows the job waiting, then its outcome.
"""
import logging
from typing import Optional

from sqlalchemy import select

from app.core import dialects
from app.core.extensions import db
from app.core.transaction import transaction
from app.crossmatch import feeds
from app.ledgers import jobs
from models.base import utcnow
from models.ledger import ImportJob

KIND = "feed"
log = logging.getLogger("console.crossmatch.jobs")


def enqueue(source: str, data: bytes, filename: str, *, jurisdiction: Optional[str], user_id: Optional[int],
            locale: str = "zh") -> int:
    feeds.check_source(source)
    feeds.check_importer(jurisdiction)
    return jobs.enqueue(f"{KIND}:{source}", data, filename, jurisdiction=jurisdiction, user_id=user_id,
                        locale=locale)


def job_of(job_id: int, user_id: Optional[int]) -> Optional[ImportJob]:
    """A feed import job ``user_id`` started (anyone else's: None, as if missing)."""
    job = jobs.job_of(job_id, user_id)
    return job if job is not None and job.ledger.startswith(f"{KIND}:") else None


def _run(job_id: int, token: str, source: str, data: bytes, filename: str, jurisdiction: Optional[str],
         user_id: Optional[int]) -> Optional[str]:
    now = utcnow()
    status, batch_id = _import(job_id, token, source, data, filename, jurisdiction, user_id, now)
    if batch_id is not None:
        # The colours of the people the batch names, right after its rows committed (a
        # million rows need not wait for them). Should this fail or the worker die first,
        # the nightly recompute decides them.
        try:
            feeds.refresh_colours(batch_id, now)
        except Exception:
            db.session.rollback()
            log.exception("the colours of feed batch %s are left to the nightly recompute", batch_id)
    return status


@transaction
def _import(job_id: int, token: str, source: str, data: bytes, filename: str, jurisdiction: Optional[str],
            user_id: Optional[int], now) -> tuple[Optional[str], Optional[int]]:
    """The import and the job's end, committed together: (its status, the batch whose
    colours are to be decided, if it is new)."""
    progress = None if dialects.of(db.session).ONE_WRITER else jobs.JobProgress(job_id, token)
    outcome = feeds.import_feed(source, jurisdiction=jurisdiction, user_id=user_id, data=data, filename=filename,
                                now=now, progress=progress, colours_after_commit=True)
    if db.session.scalar(select(ImportJob.claim).where(ImportJob.id == job_id)) != token:
        raise RuntimeError("the lease of the import job was lost")  # someone else runs it: roll back
    status = "rejected" if outcome.refused else "done"
    finished = jobs.finish(job_id, token, status, outcome_id=outcome.batch.id, created=outcome.batch.accepted or 0)
    return finished, (outcome.batch.id if status == "done" and not outcome.unchanged else None)


jobs.register_runner(KIND, _run)
