"""How long a township's resident ledger takes to import, export and re-import.

    python bench/ledger_import.py --rows 2000                   # SQLite in a temp folder
    python bench/ledger_import.py --rows 20000 --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Builds an empty database with the Henan regions of the tests' small tree, makes grids
for the communities of township 410105001, writes a resident file of ``--rows`` rows
(three people per household, households spread over the grids), then times: the import
(every row checked, households added), the export of everything, and the re-import of
that export (every row matched, nothing changes). Prints one line per step with rows/s.
"""
import argparse
import base64
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMUNITIES = ("410105001003", "410105001006", "410105001007")
HEADERS = ["社区（村）", "网格", "楼栋/村组", "单元", "门牌号", "姓名", "证件类型", "证件号码", "联系电话",
           "与户主关系", "人员类别", "在外地点", "预计返回日期", "备注"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-ledgers-")
    os.environ.setdefault("INSTANCE_DIR", folder)
    url = args.database_url or f"sqlite:///{folder}/bench.db"

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"b" * 32).decode(),
                      "SECRET_KEY": "bench", "SETUP_ON_START": True})
    with app.app_context():
        from app.core.excel import to_xlsx
        from app.core.extensions import db
        from app.core.identity import resident_id_check_char
        from app.ledgers.engine import export_all, import_file
        from app.ledgers.tables import TABLES
        from app.ledgers.units import prepare
        from app.regions.service import import_regions
        from models.ledger import Grid

        db.drop_all() if args.database_url else None
        db.create_all()
        import_regions(ROOT / "tests" / "data" / "regions.csv")
        grids = []
        for community in COMMUNITIES:
            for number in range(1, 4):
                grid = Grid(community_code=community, name=f"第{number}网格")
                prepare(grid, None)
                db.session.add(grid)
                db.session.flush()
                grids.append(grid)
        db.session.commit()

        rows = []
        for index in range(args.rows):
            household, member = divmod(index, 3)
            grid = grids[household % len(grids)]
            first17 = f"410105{dt.date(1950, 1, 1) + dt.timedelta(days=index // 900):%Y%m%d}{index % 900:03d}"
            rows.append([grid.community_code, grid.name, "", "", f"{household // len(grids) + 1}号",
                         f"居民{index}", "", first17 + resident_id_check_char(first17), f"139{index:08d}",
                         ("户主", "配偶", "子女")[member], ("常住", "常住", "在外")[member],
                         "广东省" if member == 2 else "", "", ""])
        data = to_xlsx(HEADERS, rows)
        table = TABLES["resident"]

        def timed(label, step):
            started = time.perf_counter()
            result = step()
            seconds = time.perf_counter() - started
            shown = f"{len(result)} bytes" if isinstance(result, bytes) else result
            print(f"{label:<28} {args.rows:>7} rows  {seconds:7.2f} s  {args.rows / seconds:8.0f} rows/s  {shown}")
            return result

        # No request: no user, so the whole province (as the CLI and jobs).
        timed("import (new)", lambda: import_file(table, data, "bench.xlsx", jurisdiction=None))
        exported = timed("export", lambda: export_all(table, jurisdiction=None))
        timed("re-import the export", lambda: import_file(table, exported, "export.xlsx", jurisdiction=None))


if __name__ == "__main__":
    main()
