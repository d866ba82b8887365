"""Exactly one scheduler per database: a lock held for the scheduler's life.

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection kept
open for this purpose only; it is released when the process or its connection dies,
so a standby scheduler on another host can take over. SQLite: an exclusive ``flock``
on a file next to the database file (one host by nature).

``acquire()`` never waits: it answers whether this process holds the lock now.
"""
import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

log = logging.getLogger("console.scheduler")

# The advisory lock's key: any constant the rest of the system does not use.
ADVISORY_LOCK_KEY = 4_101_202_204


class AdvisoryLock:
    def __init__(self, url: str):
        # Its own engine without a pool: the lock lives and dies with this connection.
        from sqlalchemy.pool import NullPool

        self.engine = create_engine(url, poolclass=NullPool)
        self.connection = None

    def acquire(self) -> bool:
        if self.connection is not None:
            if self._alive():
                return True
            self._drop()
            log.warning("lost the scheduler lock's connection")
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as error:  # database down: nobody can run jobs now
            log.warning("cannot reach the database for the scheduler lock: %s", error)
            return False
        if connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar():
            self.connection = connection
            return True
        connection.close()
        return False

    def _alive(self) -> bool:
        try:
            self.connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def _drop(self):
        try:
            self.connection.close()
        except Exception:
            pass
        self.connection = None

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            finally:
                self._drop()


class FileLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.handle = None

    def acquire(self) -> bool:
        if self.handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def lock_for(database_url: str, instance_dir: str | Path):
    """The scheduler lock of the database at ``database_url``."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(database_url)
    database = url.database
    if database and database != ":memory:":
        return FileLock(Path(database).with_name(Path(database).name + ".scheduler.lock"))
    return FileLock(Path(instance_dir) / "scheduler.lock")
