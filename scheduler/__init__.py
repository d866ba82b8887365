"""The scheduled jobs (scheduler.jobs), the lock that keeps one scheduler per
database (scheduler.lock), the APScheduler process (scheduler.runner) and their
commands (scheduler.cli)."""
