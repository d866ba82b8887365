"""Property-based fuzzing of the whole HTTP API with Schemathesis, one run per role.

    python bench/fuzz_api.py --max-time 300                 # the long run (by hand)
    python bench/fuzz_api.py --roles Admin --max-examples 20
    python bench/fuzz_api.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/fuzz

It builds a fresh database (SQLite in a temporary folder by default; a PostgreSQL URL
is emptied first), loads the test regions and one account per role, serves the app on
a loopback port (rate limits off) and runs ``schemathesis run`` against the served
spec (/api/v1/_openapi) with each role's JWT, then anonymously (the public endpoints).
Checks: no 5xx and every response matches its declared schema. It prints, per role,
the operations, the cases and the failures, and exits non-zero on any failure.
The short run in CI is tests/test_fuzz_api.py.

Figures (2026-11-26, PostgreSQL, ``--max-time 300 --roles Admin``): 136 operations,
23,594 cases, 0 failures; every other role ``--max-time 60`` on SQLite: 136 operations,
5,582-9,872 cases each, 0 failures; anonymous: the public and login operations, 0.
"""
import argparse
import base64
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGIONS_CSV = ROOT / "tests" / "data" / "regions.csv"
PASSWORD = "Fuzz@12345"
# One account per role, at a jurisdiction of the test regions.
ROLE_ACCOUNTS = {
    "Admin": "41", "Command": "4101", "Township": "410105001", "Officer": "410105001003",
    "GridMember": "410105001003", "Leader": "4101", "Checkpoint": "4101", "Integrator": "4101",
}
ANONYMOUS = "anonymous"
CHECKS = "not_a_server_error,response_schema_conformance"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def fuzz_config(database_url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "fuzz-secret-" + "x" * 32,
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"f" * 32).decode(),
        "SETUP_ON_START": True,
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": True,
    }


def empty_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def build_app(database_url: str):
    """The app on a fresh database with the test regions and one account per role."""
    empty_database(database_url)
    from app import create_app
    from app.core.accounts import create_user
    from app.regions.service import import_regions

    app = create_app(fuzz_config(database_url))
    with app.app_context():
        import_regions(REGIONS_CSV)
        for role, code in ROLE_ACCOUNTS.items():
            create_user(role.lower(), PASSWORD, role, code)
    return app


def serve(app) -> str:
    """Serve the app from a thread on a free loopback port; its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def access_token(app, username: str) -> str:
    response = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def save_spec(app, token: str, report_dir: Path) -> Path:
    """The served spec, read by a staff account (an anonymous run cannot read it)."""
    response = app.test_client().get("/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    path = report_dir / "openapi.json"
    path.write_bytes(response.data)
    return path


def run_role(base_url: str, spec: Path, role: str, token: str | None, args, report_dir: Path) -> dict:
    report = report_dir / f"{role}.ndjson"
    command = [str(SCHEMATHESIS), "run", str(spec), "--url", base_url, "--checks", CHECKS,
               "--workers", str(args.workers), "--report", "ndjson", "--report-ndjson-path", str(report),
               "--suppress-health-check", "all", "--seed", str(args.seed), "--no-color"]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    if args.max_examples:
        command += ["--max-examples", str(args.max_examples)]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
        # An admin changing or deleting their own account would end the run with 401s.
        command += ["--exclude-name", "PUT /api/v1/user/{pk}", "--exclude-name", "DELETE /api/v1/user/{pk}"]
    else:  # anonymous: only what needs no account
        command += ["--include-path-regex", "^/api/v1/(public|security)/"]
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=report_dir)
    figures = summarize(report)
    figures.update(role=role, seconds=round(time.monotonic() - started), exit=completed.returncode)
    (report_dir / f"{role}.log").write_text(completed.stdout + completed.stderr)
    return figures


def summarize(ndjson: Path) -> dict:
    """Operations, cases and failures (operation -> {check title: an example}) from
    Schemathesis's event stream."""
    operations, cases, failing = set(), set(), {}
    for line in ndjson.read_text().splitlines():
        body = json.loads(line).get("ScenarioFinished")
        if not body:
            continue
        recorder = body.get("recorder") or {}
        label = recorder.get("label") or ""
        operations.add(label)
        cases.update(recorder.get("cases") or {})
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                failure = check["failure_info"]["failure"]
                example = _example(recorder, case_id, failure)
                failing.setdefault(label, {}).setdefault(failure.get("title", check["name"]), example)
    return {"operations": len(operations), "cases": len(cases), "failures": failing}


def _example(recorder: dict, case_id: str, failure: dict) -> str:
    """The request and the first line of what went wrong, to reproduce by hand."""
    interaction = (recorder.get("interactions") or {}).get(case_id) or {}
    request = interaction.get("request") or {}
    body = request.get("body") or {}
    if "$base64" in body:
        body = base64.b64decode(body["$base64"]).decode("utf-8", "replace")
    status = (interaction.get("response") or {}).get("status_code")
    message = ((failure.get("message") or "").strip().splitlines() or [""])[0][:200]
    return f"{request.get('method')} {request.get('uri')} {str(body)[:300]!r} -> {status}: {message}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--roles", default=",".join([*ROLE_ACCOUNTS, ANONYMOUS]))
    parser.add_argument("--max-time", type=int, help="seconds per role")
    parser.add_argument("--max-examples", type=int, help="cases per operation")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report-dir", default=None)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fuzz-api-"))
    os.environ.setdefault("INSTANCE_DIR", str(tmp))
    database_url = args.database_url or f"sqlite:///{tmp}/fuzz.db"
    report_dir = Path(args.report_dir or tmp)
    report_dir.mkdir(parents=True, exist_ok=True)
    app = build_app(database_url)
    for noisy in ("werkzeug", "flask_appbuilder"):  # a request per line, each refused access
        logging.getLogger(noisy).setLevel(logging.ERROR)
    base_url = serve(app)
    spec = save_spec(app, access_token(app, "admin"), report_dir)
    total_failures = 0
    for role in args.roles.split(","):
        token = None if role == ANONYMOUS else access_token(app, role.lower())
        figures = run_role(base_url, spec, role, token, args, report_dir)
        total_failures += len(figures["failures"])
        print(f"{role}: {figures['operations']} operations, {figures['cases']} cases, "
              f"{len(figures['failures'])} failing operations, {figures['seconds']} s", flush=True)
        for label, checks in figures["failures"].items():
            for title, example in checks.items():
                print(f"    {label}: {title}\n        {example}", flush=True)
    print(f"reports: {report_dir}")
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
