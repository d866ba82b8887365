"""The public health-code pages in one process (Flask's test client: the app's own cost,
no network, no gunicorn): declarations per second (validation, encryption, the insert
and the colour decided at once by app.healthcode.rules.refresh_people), and the code
page's QR refresh (GET /healthcode/token: one read of the code, a signed token, an SVG
QR) per second, with the number of people declared growing; then the public API: a
declaration again of a known person from their phone (the check of the phones on file,
then as above, plus a holder), a known person declared from another phone (held: an SMS
code queued, nothing else), and GET /api/v1/public/healthcode/<holder> (one statement, a
signed QR token).

    python bench/healthcode_pages.py                                   # SQLite (a scratch file)
    python bench/healthcode_pages.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_hc_pages
"""
import argparse
import base64
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = base64.urlsafe_b64encode(b"p" * 32).decode()
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def resident_id(n: int) -> str:
    from app.core.identity import resident_id_check_char

    first17 = f"410105{1950 + n % 60}0{1 + n % 9}{10 + n % 18}{n % 1000:03d}"  # a real birth date
    return first17 + resident_id_check_char(first17)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="database URL (default: a scratch SQLite file)")
    parser.add_argument("--declarations", type=int, default=300)
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--api", type=int, default=300, help="API declarations, held ones and reads")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    if url.startswith("postgresql"):
        from bench.healthcode import ensure_database
        ensure_database(url)
    from app import create_app
    from app.core.extensions import db
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 32, "FIELD_ENCRYPTION_KEY": KEY,
                      "SETUP_ON_START": True, "RATELIMIT_ENABLED": False, "TESTING": True})
    with app.app_context():
        for table in ("health_code_change", "health_code", "health_declaration", "health_code_holder", "filer_code",
                      "notification"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
    client = app.test_client()
    token = CSRF.search(client.get("/healthcode/").get_data(as_text=True)).group(1)
    started = time.monotonic()
    people = []
    for n in range(args.declarations):
        answer = client.post("/healthcode/", data={
            "csrf_token": token, "name": "测试", "id_number": resident_id(n), "phone": f"138{n:08d}",
            "residence_address": "体育路1号", "commitment": "1", "fever": "1" if n % 10 == 0 else ""})
        assert answer.status_code == 303, (answer.status_code, answer.get_data(as_text=True)[:2000])
        people.append(answer.headers["Location"].split("person=")[1])
    took = time.monotonic() - started
    print(f"declarations      {args.declarations:6d} in {took:6.2f} s  {args.declarations / took:8.1f} /s  "
          f"{1000 * took / args.declarations:6.2f} ms each")
    on_device = people[-10:]  # the phone remembers its last people (app.healthcode.devices)
    started = time.monotonic()
    for n in range(args.tokens):
        answer = client.get(f"/healthcode/token?person={on_device[n % len(on_device)]}")
        assert answer.status_code == 200 and answer.json["token"]
    took = time.monotonic() - started
    print(f"QR refreshes      {args.tokens:6d} in {took:6.2f} s  {args.tokens / took:8.1f} /s  "
          f"{1000 * took / args.tokens:6.2f} ms each")
    holders = bench_api(client, args.api, args.declarations)
    print(f"database          {url.split(':')[0]}, {args.declarations} people declared, {holders} holders")


def _timed(label: str, count: int, call) -> list:
    started = time.monotonic()
    results = [call(n) for n in range(count)]
    took = time.monotonic() - started
    print(f"{label:17} {count:6d} in {took:6.2f} s  {count / took:8.1f} /s  {1000 * took / count:6.2f} ms each")
    return results


def bench_api(client, count: int, declared: int) -> int:
    def body(n, phone):
        return {"name": "测试", "id_number": resident_id(n % declared), "phone": phone,
                "residence_address": "体育路1号", "commitment": True}

    def declare(n):
        answer = client.post("/api/v1/public/healthcode/declare", json=body(n, f"138{n % declared:08d}"))
        assert answer.status_code == 201, (answer.status_code, answer.json)
        return answer.json

    def held(n):
        answer = client.post("/api/v1/public/healthcode/declare", json=body(n, "13600000000"))
        assert answer.status_code == 202, (answer.status_code, answer.json)

    issued = _timed("API declarations", count, declare)
    _timed("API held", count, held)

    def read(n):
        found = issued[n % len(issued)]
        answer = client.get(f"/api/v1/public/healthcode/{found['holder']}", headers={"X-Code-Token": found["token"]})
        assert answer.status_code == 200 and answer.json["qr"], answer.json

    _timed("API code reads", count * 3, read)
    return len(issued)


if __name__ == "__main__":
    main()
