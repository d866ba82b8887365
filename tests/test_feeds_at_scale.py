"""A feed of a million rows: read, checked a column at a time (each distinct value
once), stored in parts by the dialect's bulk load (COPY in text format on PostgreSQL),
its ID numbers protected together. What is stored and what is refused is what a row
at a time gave: the same three forms of a number, every bad row listed in order, any
text stored unchanged."""
import csv
import datetime as dt
import io

from sqlalchemy import select

from app.core import identity
from app.core.extensions import db
from app.crossmatch import feeds
from app.crossmatch.feeds import import_feed
from models.crossmatch import FeedTestResult
from tests.filing_data import resident_id

NOW = dt.datetime(2026, 3, 10, 2, 0)
HEADER = ["身份证号", "姓名", "采样时间", "检测结果", "检测机构"]


def csv_file(*rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode()


def stored_rows():
    return db.session.scalars(select(FeedTestResult).order_by(FeedTestResult.line)).all()


def test_numbers_protected_together_are_as_protected_one_by_one(app):
    person, passport = resident_id(sequence=1), "E12345678"
    with app.app_context():
        forms = identity.protect_all([person, "", passport, None, person], identity.mask_id_number)
        assert set(forms) == {person, "", passport, None}
        for plain in (person, passport):
            encrypted, hashed, masked = forms[plain]
            assert identity.decrypt(encrypted) == plain and plain not in encrypted
            assert hashed == identity.lookup_hash(plain) and masked == identity.mask_id_number(plain)
        assert forms[""] == forms[None] == (None, None, None)
        assert forms[person][0] != forms[passport][0]
        phones = identity.protect_all(["13800138000"], identity.mask_phone)
        assert phones["13800138000"][1:] == (identity.lookup_hash("13800138000"), "138****8000")


def test_a_resident_id_is_checked_as_before():
    first17 = "41010519900307001"
    valid = first17 + identity.resident_id_check_char(first17)
    assert identity.parse_resident_id(valid) == {"birth_date": dt.date(1990, 3, 7), "gender": "male"}
    # The check character of other digits than ASCII ones (\d matches them) is the same.
    arabic_indic = "".join(chr(0x0660 + int(digit)) for digit in first17)
    assert identity.resident_id_check_char(arabic_indic) == valid[-1]
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    for first17 in ("41010519900230001", "41010518991231001", f"410105{tomorrow:%Y%m%d}001"):
        assert identity.parse_resident_id(first17 + identity.resident_id_check_char(first17)) is None
    wrong = "0" if valid[-1] != "0" else "1"
    assert identity.parse_resident_id(valid[:17] + wrong) is None


def test_a_file_stored_in_parts_keeps_every_row_its_text_and_a_numbers_ciphertext(app, monkeypatch):
    monkeypatch.setattr(feeds, "STORE_PART", 2)
    twice, once = resident_id(sequence=2), resident_id(sequence=3)
    names = ["王\t五", "back\\slash", "two\nlines", "回车\r符", "\\N"]
    data = csv_file(*([number, name, f"2026-03-09 0{hour}:30", "阴性", "金域"]
                      for hour, (number, name) in enumerate(zip((twice, once, once, twice, once), names))))
    with app.app_context():
        outcome = import_feed("test_result", jurisdiction=None, data=data, filename="tests.csv", now=NOW)
        assert not outcome.refused and outcome.batch.accepted == 5
        rows = stored_rows()
        assert [row.line for row in rows] == [2, 3, 4, 5, 6] and [row.name for row in rows] == names
        assert [row.sampled_at for row in rows] == [dt.datetime(2026, 3, 8, 16 + hour, 30) for hour in range(5)]
        assert [row.sampled_day for row in rows] == [dt.date(2026, 3, 9)] * 5
        assert rows[0].id_number_enc == rows[3].id_number_enc != rows[1].id_number_enc  # parts apart
        assert rows[1].id_number_enc == rows[2].id_number_enc == rows[4].id_number_enc
        for row, number in zip(rows, (twice, once, once, twice, once)):
            assert identity.decrypt(row.id_number_enc) == number
            assert (row.id_number_hash, row.id_number_masked) == (identity.lookup_hash(number),
                                                                  identity.mask_id_number(number))
            assert row.region_code == app.config["PROVINCE_CODE"] and row.result == "negative"


def test_rows_shorter_or_longer_than_the_header_read_as_before(app):
    data = (",".join(HEADER) + "\n"
            f"{resident_id(sequence=4)},王五,2026-03-09 08:00,阴性\n"                 # no lab
            f"{resident_id(sequence=5)},赵六,2026-03-09 09:00,阳性,金域,nobody's\n"   # past the headers
            "\n"                                                                      # blank: dropped
            f"{resident_id(sequence=6)},孙七,2026-03-09 10:00\n").encode()             # no result
    with app.app_context():
        refused = import_feed("test_result", jurisdiction=None, data=data, filename="tests.csv", now=NOW)
        assert [(p.line, p.field, p.message) for p in refused.rejected] == [(4, "result", "必填。")]
        good = data.rsplit(b"\n", 2)[0] + b"\n"
        outcome = import_feed("test_result", jurisdiction=None, data=good, filename="tests.csv", now=NOW)
        assert [(row.lab, row.result) for row in stored_rows()] == [(None, "negative"), ("金域", "positive")]
        assert outcome.batch.accepted == 2


def test_every_bad_cell_is_listed_by_line_then_column(app):
    good = {"id_number": resident_id(sequence=7), "sampled_at": "2026-03-09 08:00", "result": "阴性"}
    rows = [good,
            {"id_number": "410105199003071234", "sampled_at": "昨天", "result": "也许", "colour": "red"},
            {**good, "result": None},
            {**good, "lab": "x" * 101, "name": "\x00"},
            good]
    with app.app_context():
        outcome = import_feed("test_result", jurisdiction=None, rows=rows, now=NOW)
        assert outcome.refused and outcome.batch.rejected_count == 3
        assert [(p.line, p.field) for p in outcome.rejected] == [
            (2, "colour"), (2, "id_number"), (2, "sampled_at"), (2, "result"), (3, "result"),
            (4, "name"), (4, "lab")]
        assert stored_rows() == []
