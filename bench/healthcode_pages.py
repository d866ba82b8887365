"""The public health-code pages in one process (Flask's test client: the app's own cost,
no network, no gunicorn): declarations per second (validation, encryption, the insert
and the colour decided at once by app.healthcode.rules.refresh_people), and the code
page's QR refresh (GET /healthcode/token: one read of the code, a signed token, an SVG
QR) per second, with the number of people declared growing.

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
        for table in ("health_code_change", "health_code", "health_declaration"):
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
    print(f"database          {url.split(':')[0]}, {args.declarations} people declared")


if __name__ == "__main__":
    main()
