"""Importing filings from Excel or CSV: all or nothing, every bad row reported; and the
public pages render."""
import csv
import io

from flask_babel import force_locale
from sqlalchemy import select

from app.filings import labels
from app.core.excel import to_xlsx
from app.core.extensions import db
from models import Filing
from tests.conftest import user_id
from tests.filing_data import NEIGHBOUR_COMMUNITY, count_filings, report, store

COLUMNS = ["name", "id_type", "id_number", "phone", "origin_region_code", "expected_arrival_at",
           "transport_mode", "destination_region_code", "destination_address", "commitment", "fever"]


def _rows(*bodies):
    return [[body.get(c) for c in COLUMNS] for body in bodies]


def _upload(client, data, filename):
    return client.post("/filingentry/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _csv(headers, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_an_xlsx_with_chinese_headers_and_labels_imports_every_row(app, web):
    with app.test_request_context(), force_locale("zh"):
        headers = [str(labels.FIELD_LABELS[c]) for c in COLUMNS]
    bodies = [report(transport_mode="火车", commitment="是", fever="否", expected_arrival_at=report()["expected_arrival_at"][:16].replace("T", " "))
              for _ in range(3)]
    response = _upload(web("officer"), to_xlsx(headers, _rows(*bodies)), "filings.xlsx")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="import-result"' in page and 'id="import-problems"' not in page
    with app.app_context():
        rows = db.session.scalars(select(Filing)).all()
        assert len(rows) == 3 and {r.channel for r in rows} == {"import"}
        assert {r.transport_mode for r in rows} == {"train"} and not any(r.fever for r in rows)
        assert {r.filed_by_id for r in rows} == {user_id(app, "officer")}


def test_a_bad_row_stops_the_import_and_every_problem_is_listed(app, web):
    good, bad_phone, foreign = report(), report(phone="123"), report(destination_region_code=NEIGHBOUR_COMMUNITY)
    valid = report()["id_number"]
    bad_id = dict(report(), id_number=valid[:-1] + ("1" if valid[-1] == "0" else "0"))
    data = _csv(COLUMNS, _rows(good, bad_phone, foreign, bad_id))
    page = _upload(web("officer"), data, "filings.csv").get_data(as_text=True)
    assert 'id="import-problems"' in page
    problems = page[page.index('id="import-problems"'):]
    assert "<td>3</td>" in problems and "<td>4</td>" in problems and "<td>5</td>" in problems
    assert "<td>2</td>" not in problems
    assert count_filings(app) == 0


def test_a_person_already_filed_is_a_problem(app, web):
    body = report()
    existing = store(app, id_number=body["id_number"], expected_arrival_at=body["expected_arrival_at"])
    page = _upload(web("officer"), _csv(COLUMNS, _rows(report(), body)), "filings.csv").get_data(as_text=True)
    assert 'id="import-problems"' in page and "此人当天已报备。" in page
    assert existing.receipt not in page  # it may lie in another jurisdiction
    assert count_filings(app) == 1


def test_a_bad_header_or_file_is_reported(app, web):
    officer = web("officer")
    page = _upload(officer, _csv(["name", "favourite colour"], [["张三", "red"]]), "x.csv").get_data(as_text=True)
    assert "favourite colour" in page and 'id="import-problems"' in page
    page = _upload(officer, b"\x00\x01 not a sheet", "x.xlsx").get_data(as_text=True)
    assert 'id="import-problems"' in page
    assert count_filings(app) == 0


def test_the_template_is_an_xlsx_with_every_column(app, web):
    from app.core.excel import read_table

    response = web("officer").get("/filingentry/import/template.xlsx")
    assert response.status_code == 200
    headers, rows = read_table(response.data, "template.xlsx")
    assert len(headers) >= len(COLUMNS) and rows == []


def test_the_template_offers_coded_columns_as_dropdowns(app, web):
    from tests.xlsx_dropdowns import dropdowns

    offered = dropdowns(web("officer").get("/filingentry/import/template.xlsx").data)
    assert "火车" in offered["交通方式"] and "居民身份证" in offered["证件类型"]


# ---- public pages ---------------------------------------------------------------------------

def test_the_report_page_in_chinese_and_english(client):
    page = client.get("/report/").get_data(as_text=True)
    assert "添加家庭成员" in page and 'name="commitment"' in page and "/api/v1/public/filings" in page
    english = client.get("/report/?lang=en").get_data(as_text=True)
    assert "Add a family member" in english and "中文" in english


def test_the_receipt_page_has_a_qr_code(app, client):
    created = store(app)
    page = client.get(f"/report/receipt/{created.receipt}").get_data(as_text=True)
    assert "<svg" in page and created.receipt in page and "张" not in page
    assert "13812345678" not in page
    missing = client.get("/report/receipt/NOSUCHCODE")
    # The traveller's error page keeps the public layout and leads back to the form.
    assert missing.status_code == 404 and 'class="report-page"' in missing.get_data(as_text=True)
    assert "返回报备表单" in missing.get_data(as_text=True)
