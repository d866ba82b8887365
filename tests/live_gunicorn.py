"""gunicorn as run.sh starts it (gunicorn.conf.py, an access log), on a free loopback
port against the test database, for tests of what only real workers show: counts shared
between processes, and what the access log writes."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parent.parent
REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configured_access_format() -> str:
    """The access log format of gunicorn.conf.py (what run.sh runs with)."""
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    return namespace["access_log_format"]


class Gunicorn:
    """``with Gunicorn(app, tmp_path, WORKERS=2, SETTING=value) as server:`` then
    ``server.url``, ``server.access_log``, ``server.error_log`` (paths). Each access log
    line starts with the worker's pid."""

    def __init__(self, app, folder: Path, workers: int = 2, **settings):
        self.folder, self.workers, self.port = Path(folder), workers, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log, self.error_log = self.folder / "access.log", self.folder / "error.log"
        self.env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "SETUP_ON_START": "0", "INSTANCE_DIR": str(self.folder),
                    "SECRET_KEY": app.config["SECRET_KEY"], "FIELD_ENCRYPTION_KEY": TEST_KEY, **settings}

    def __enter__(self):
        gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
        with open(self.error_log, "wb") as errors:
            self.process = subprocess.Popen(
                [gunicorn, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--access-logfile", str(self.access_log),
                 "--access-logformat", "%(p)s " + configured_access_format(), "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=errors, stderr=errors, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/report/")  # not limited: the probe counts nowhere
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not start: " + self.error_log.read_text())

    def __exit__(self, *_exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        """(status, JSON answer or {})."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            **({"Content-Type": "application/json"} if data else {}), **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, {}

    def status(self, path: str) -> int:
        return self.request("GET", path)[0]
