"""Where a filing's CPU goes: the public filing endpoint and the bare insert of
bench/filing_throughput.py, one after the other under the same load, with the CPU time
gunicorn and PostgreSQL spent per request (read from /proc) and the share left idle
(wrk's own share is in neither: it has exited when its CPU could be read).

    python bench/filing_cpu.py [--workers 3] [--connections 16]
"""
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import filing_throughput as ft  # noqa: E402

SECONDS = 10


def cpu_seconds(pattern: str) -> float:
    """User + system CPU of every process whose command line contains ``pattern``."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if pattern in command:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main():
    args = ft.parse_args()
    url = ft.prepare_database(args)
    for number, (label, module, path) in enumerate(ft.SIDES):
        with tempfile.TemporaryDirectory(prefix="bench-cpu-") as workdir:
            port = ft.free_port()
            server = ft.start_gunicorn(module, url, args, workdir, port)
            try:
                ft.run_wrk(port, ft.write_script(workdir, "warm", path, 9_000_000 + number * 100_000, 1), 1, 2, 2)
                processes = ("gunicorn", "postgres:")
                before, started = [cpu_seconds(p) for p in processes], time.monotonic()
                script = ft.write_script(workdir, "run", path, (5 + number) * 1_000_000, args.threads)
                result = ft.run_wrk(port, script, args.threads, args.connections, SECONDS)
                spent = [cpu_seconds(p) - b for p, b in zip(processes, before)]
                elapsed = time.monotonic() - started
            finally:
                ft.stop(server)
        per_request = " ".join(f"{p.rstrip(':')} {s / result['requests'] * 1000:.2f}"
                               for p, s in zip(processes, spent))
        idle = 100 * (os.cpu_count() * elapsed - sum(spent)) / (os.cpu_count() * elapsed)
        print(f"{label:<5} {result['rps']:7.1f} filings/s, errors {result['errors']}; "
              f"CPU ms per request: {per_request}; CPU idle {idle:.0f}%")


if __name__ == "__main__":
    main()
