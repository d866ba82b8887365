"""A large feed file imported off the web request, with a progress bar the page polls:
the ledger imports' job machinery (app.ledgers.jobs: the job row, its lease, the thread,
the scheduler resuming a job whose worker died), with the feed import as its work.

The import is the same as any (app.crossmatch.feeds.import_feed): all or nothing, every
bad row listed, in one transaction that ends the job too. It makes a batch either way
(imported, or rejected with its problems), and the job keeps its id: the batch's page
shows the outcome. Progress goes to the job row on a connection of its own while the
rows are checked and stored. On a database of one writer at a time (SQLite) it cannot
(the import's transaction would lose its snapshot to the progress writes): the page
shows the job waiting, then its outcome.
"""
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


@transaction
def _run(job_id: int, token: str, source: str, data: bytes, filename: str, jurisdiction: Optional[str],
         user_id: Optional[int]) -> Optional[str]:
    progress = None if dialects.of(db.session).ONE_WRITER else jobs.JobProgress(job_id, token)
    outcome = feeds.import_feed(source, jurisdiction=jurisdiction, user_id=user_id, data=data, filename=filename,
                                now=utcnow(), progress=progress)
    if db.session.scalar(select(ImportJob.claim).where(ImportJob.id == job_id)) != token:
        raise RuntimeError("the lease of the import job was lost")  # someone else runs it: roll back
    status = "rejected" if outcome.refused else "done"
    return jobs.finish(job_id, token, status, outcome_id=outcome.batch.id, created=outcome.batch.accepted or 0)


jobs.register_runner(KIND, _run)
