"""A worker's memory before and after a 300 MB JSON body to the public filing endpoint,
once with its Content-Length declared and once chunked.

    python bench/body_limit.py [--app-dir DIR] [--megabytes 300]

One gunicorn worker on a temporary SQLite database (as bench/import_isolation.py);
prints each answer, its time and the worker's resident memory (MB) after it.
``--app-dir`` runs another checkout (e.g. the commit before the limits) for comparison.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.filing_throughput import stop  # noqa: E402
from bench.import_isolation import prepare, start_gunicorn  # noqa: E402

MB = 1024 * 1024


def worker_memory(pid) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(Path(f"/proc/{child}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024
            for child in children]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--megabytes", type=int, default=300)
    args = parser.parse_args()
    server_args = argparse.Namespace(workers=1, threads=1, app_dir=args.app_dir)

    def chunked():
        yield b'{"name": "'
        for _ in range(args.megabytes):
            yield b"x" * MB
        yield b'"}'

    with tempfile.TemporaryDirectory(prefix="bench-body-") as folder:
        url = prepare(folder, args.app_dir, None)
        port = 19000 + os.getpid() % 500
        server = start_gunicorn(server_args, url, folder, port)
        try:
            print(f"worker MB before: {worker_memory(server.pid)}")
            for label, body in (("declared", lambda: b'{"name": "' + b"x" * (args.megabytes * MB) + b'"}'),
                                ("chunked", chunked)):
                started = time.monotonic()
                try:
                    response = requests.post(f"http://127.0.0.1:{port}/api/v1/public/filings", data=body(),
                                             headers={"Content-Type": "application/json",
                                                      "Accept-Language": "en"}, timeout=300)
                    answer = f"{response.status_code} {response.text.strip()[:80]}"
                except requests.RequestException as error:
                    answer = f"connection closed ({type(error).__name__})"
                print(f"{label}: {answer} in {time.monotonic() - started:.1f}s; "
                      f"worker MB after: {worker_memory(server.pid)}")
        finally:
            stop(server)


if __name__ == "__main__":
    main()
