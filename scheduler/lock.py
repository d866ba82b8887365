"""Exactly one scheduler per database: a lock held for the scheduler's life.

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection kept
open for this purpose only; it is released when the process or its connection dies,
so a standby scheduler on another host can take over. SQLite: an exclusive ``flock``
on a file next to the database file (one host by nature). Both are their dialect's
``process_lock`` (app.core.dialects).

``acquire()`` never waits: it answers whether this process holds the lock now.
"""
from pathlib import Path

from app.core import dialects

# The advisory lock's key: any constant the rest of the system does not use.
ADVISORY_LOCK_KEY = 4_101_202_204


def lock_for(database_url: str, instance_dir: str | Path):
    """The scheduler lock of the database at ``database_url``."""
    return dialects.for_url(database_url).process_lock(database_url, ADVISORY_LOCK_KEY, instance_dir)
