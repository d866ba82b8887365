"""Region import: good file, bad file changes nothing, re-import is idempotent."""
import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.errors import ImportRejected
from app.regions.service import HENAN_FILE, import_regions, read_region_file
from models import AuditLog, Region


def count_regions():
    return db.session.scalar(select(func.count()).select_from(Region))


def write_csv(tmp_path, lines):
    path = tmp_path / "regions.csv"
    path.write_text("code,name,level,parent_code\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_good_file_adds_then_reimport_changes_nothing(app, tmp_path):
    path = write_csv(tmp_path, ["410103,二七区,3,4101", "410103001,淮河路街道,4,410103",
                                "410103001001,测试社区,5,410103001"])
    with app.app_context():
        before = count_regions()
        result = import_regions(path)
        assert (result.added, result.updated) == (3, 0)
        assert count_regions() == before + 3
        again = import_regions(path)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
        assert count_regions() == before + 3
        db.session.query(Region).filter(Region.code.like("410103%")).delete()
        db.session.commit()


def test_changed_name_is_updated(app, tmp_path):
    with app.app_context():
        import_regions(write_csv(tmp_path, ["410103,二七区,3,4101"]))
        result = import_regions(write_csv(tmp_path, ["410103,二七区（新）,3,4101"]))
        assert result.updated == 1
        assert db.session.get(Region, "410103").name == "二七区（新）"
        db.session.query(Region).filter(Region.code == "410103").delete()
        db.session.commit()


@pytest.mark.parametrize("line, reason", [
    ("4101030010,坏代码,5,410103001", "12"),          # wrong length for the level
    ("410103,二七区,3,4102", "410103"),               # parent is not its prefix
    ("410103,,3,4101", "1"),                          # empty name
    ("410103,二七区,7,4101", "1"),                    # level out of range
    ("410199,无上级,3,4199", "4199"),                 # unknown parent
    ("410103,二七区,3", "4"),                         # missing column
])
def test_bad_file_reports_line_and_changes_nothing(app, tmp_path, line, reason):
    path = write_csv(tmp_path, ["410106,上街区,3,4101", line])
    with app.app_context():
        before = count_regions()
        with pytest.raises(ImportRejected) as raised:
            import_regions(path)
        (number, message), = raised.value.problems
        assert number == 3 and reason in message
        assert count_regions() == before
        assert db.session.get(Region, "410106") is None


def test_duplicate_code_is_reported(app, tmp_path):
    path = write_csv(tmp_path, ["410106,上街区,3,4101", "410106,上街区,3,4101"])
    with app.app_context(), pytest.raises(ImportRejected) as raised:
        import_regions(path)
    assert raised.value.problems[0][0] == 3


def test_cli_import_bad_file_exits_nonzero_with_line(app, tmp_path):
    path = write_csv(tmp_path, ["410106,上街区,3,4101", "x,坏,3,4101"])
    result = app.test_cli_runner().invoke(args=["regions", "import", str(path)])
    assert result.exit_code != 0
    assert "line 3" in result.output


def test_cli_import_good_file_shows_progress(app, tmp_path):
    path = write_csv(tmp_path, ["410106,上街区,3,4101"])
    result = app.test_cli_runner().invoke(args=["regions", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "added 1" in result.output and "1/1 (100%)" in result.output
    with app.app_context():
        db.session.query(Region).filter(Region.code == "410106").delete()
        db.session.commit()


def test_shipped_henan_file_is_valid_and_complete(app):
    with app.app_context():
        rows = read_region_file(HENAN_FILE)
    assert len(rows) == 55164
    assert sum(1 for r in rows if r["level"] == 5) == 52378


def test_import_is_audited(app, tmp_path):
    with app.app_context():
        import_regions(write_csv(tmp_path, ["410106,上街区,3,4101"]))
        entry = db.session.scalars(select(AuditLog).where(AuditLog.entity == "Region")).first()
        assert entry is not None and entry.action == "import"
        db.session.query(Region).filter(Region.code == "410106").delete()
        db.session.commit()
