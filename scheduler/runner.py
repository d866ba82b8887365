"""``flask scheduler``: one APScheduler process running the jobs at their configured
local times, guarded by the scheduler lock (scheduler.lock).

Every job first makes sure this process holds the lock; a second scheduler on the same
database logs that another one runs the jobs, does nothing, and retries every
SCHEDULER_LOCK_RETRY_SECONDS, so it takes over as soon as the first one stops. Whoever
takes the lock (at start, or on taking over) first catches up: every daily report
missed while no scheduler ran is prepared once, and escalations are brought up to date.

Jobs run one at a time (a single worker thread), each in its own app context.
"""
import datetime as dt
import logging
import signal
import sys
import threading
from typing import Callable, Optional

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.core import clock
from app.core.outbox import deliver_pending
from models.base import utcnow
from scheduler import jobs
from scheduler.lock import lock_for

log = logging.getLogger("console.scheduler")
OUTBOX_INTERVAL_SECONDS = 60
LEDGER_IMPORTS_INTERVAL_SECONDS = 60


class Guard:
    """Runs a job only while this process holds the scheduler lock.

    ``on_takeover`` is called when this process takes the lock (at start, or from a
    scheduler that stopped); by default it catches up at once."""

    def __init__(self, app, lock, on_takeover: Optional[Callable[[], None]] = None):
        self.app, self.lock = app, lock
        self.on_takeover = on_takeover or (lambda: self.run("catch_up", catch_up_everything))
        self.holding: Optional[bool] = None  # unknown until the first try
        self._mutex = threading.Lock()  # the lock's connection serves one thread at a time

    def holds(self) -> bool:
        """Take or keep the lock; says so when that changes. True if held now."""
        with self._mutex:
            held = self.lock.acquire()
            if held != self.holding:
                if held:
                    log.info("this scheduler runs the jobs")
                else:
                    log.info("another scheduler runs the jobs on this database; standing by")
            self.holding = held
            return held

    def run(self, name: str, job: Callable[[dt.datetime], object]):
        """Run ``job(now)`` if this process holds the lock; None otherwise."""
        with self.app.app_context():
            if not self.holds():
                return None
            try:
                return job(utcnow())
            except Exception:
                log.exception("job %s failed", name)
                return None

    def watch(self):
        """Take the lock when free; on taking it, catch up what was missed."""
        was_holding = self.holding
        if self.holds() and not was_holding:
            self.on_takeover()


def catch_up_everything(now: dt.datetime):
    jobs.catch_up(now)
    jobs.follow_ups_job(now)
    jobs.escalate_job(now)


def build_scheduler(app, guard: Guard) -> BlockingScheduler:
    config = app.config
    with app.app_context():
        zone = clock.zone()
    # Jobs one at a time; the lock watch on its own thread, so it never waits behind them.
    scheduler = BlockingScheduler(
        timezone=zone, executors={"default": ThreadPoolExecutor(1), "watch": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})

    def add(job_id, trigger, job, **kwargs):
        scheduler.add_job(guard.run, trigger, args=(job_id, job), id=job_id, name=job_id, **kwargs)

    def daily(hhmm):
        time = clock.parse_hhmm(hhmm)
        return CronTrigger(hour=time.hour, minute=time.minute, timezone=zone)

    # The day's report (and any day missed before it).
    add("daily_report", daily(config["DAILY_REPORT_TIME"]), jobs.catch_up)
    # At the deadline: penalties for the day, and the escalations falling due now.
    add("deadline", daily(config["DAILY_REPORT_DEADLINE"]), catch_up_everything)
    add("escalate", IntervalTrigger(minutes=config["ESCALATION_INTERVAL_MINUTES"], timezone=zone),
        jobs.escalate_job)
    add("matching", IntervalTrigger(minutes=config["MATCHING_INTERVAL_MINUTES"], timezone=zone), jobs.matching_job)
    add("follow_ups", IntervalTrigger(minutes=config["FOLLOW_UP_INTERVAL_MINUTES"], timezone=zone),
        jobs.follow_ups_job)
    add("distribution", IntervalTrigger(minutes=config["DISTRIBUTION_INTERVAL_MINUTES"], timezone=zone),
        jobs.distribution_job)
    add("ledger_imports", IntervalTrigger(seconds=LEDGER_IMPORTS_INTERVAL_SECONDS, timezone=zone),
        jobs.ledger_imports_job)
    add("fold_summaries", IntervalTrigger(seconds=config["SUMMARY_FOLD_SECONDS"], timezone=zone),
        jobs.fold_summaries_job)
    add("retention", daily(config["RETENTION_TIME"]), jobs.retention_job)
    add("visit_retention", daily(config["RETENTION_TIME"]), jobs.visit_retention_job)
    add("health_codes", daily(config["HEALTH_CODE_RECOMPUTE_TIME"]), jobs.health_codes_job)
    add("audit_seal", IntervalTrigger(seconds=config["AUDIT_SEAL_SECONDS"], timezone=zone),
        jobs.audit_seal_job)
    add("planner_statistics", daily(config["PLANNER_STATISTICS_TIME"]), jobs.planner_statistics_job)
    add("outbox", IntervalTrigger(seconds=OUTBOX_INTERVAL_SECONDS, timezone=zone),
        lambda now: deliver_pending())
    # On taking the lock, catch up as a job of its own (run now, once).
    guard.on_takeover = lambda: scheduler.add_job(
        guard.run, args=("catch_up", catch_up_everything), id="catch_up", replace_existing=True)
    scheduler.add_job(guard.watch, IntervalTrigger(seconds=config["SCHEDULER_LOCK_RETRY_SECONDS"],
                                                   timezone=zone),
                      id="lock_watch", name="lock_watch", executor="watch",
                      next_run_time=dt.datetime.now(zone))
    return scheduler


def run_scheduler(app) -> None:
    """Run until stopped (Ctrl-C or SIGTERM); the lock goes with the process."""
    lock = lock_for(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    scheduler = build_scheduler(app, Guard(app, lock))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("scheduler starting: %s", ", ".join(
        f"{job.id} ({job.trigger})" for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        # Let a running job finish before the lock goes: a standby taking over must
        # not run jobs beside it.
        if scheduler.running:
            scheduler.shutdown(wait=True)
        lock.release()
        log.info("scheduler stopped")
