"""What a role that may not unmask learns of a person: masks keep at most the first 3
and last 4 characters, and no other served field (birth date, gender) completes them;
links to filings, pickers and form labels answer within the jurisdiction only."""
import json

import pytest
from sqlalchemy import select

from app.core import identity
from app.core.extensions import db
from models import AuditLog, Filing
from models.filing import FilingRevision
from models.ledger import Household, Resident
from tests.filing_data import OTHER_COUNTY_COMMUNITY, report, store
from tests.filing_data import resident_id as filing_resident_id
from tests.ledger_data import GRID_MEMBER, make_filing, make_world, resident_id, upload, xlsx_rows
from tests.test_filing_public import URL as PUBLIC_URL


@pytest.fixture
def world(app):
    return make_world(app)


def _rebuildable(text: str, number: str) -> bool:
    """Whether ``text`` holds the ID number, or what completes its mask: the birth
    date (in any usual spelling), or a mask keeping more than the first 3 digits."""
    birth = number[6:14]
    spellings = {birth, f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"}
    return number in text or number[:4] + "*" in text or any(s in text for s in spellings)


# ---- the mask rule ----------------------------------------------------------------

def test_masks_keep_at_most_the_first_3_and_last_4_characters():
    number = resident_id(7)
    assert identity.mask_id_number(number) == number[:3] + "*" * 11 + number[-4:]
    assert identity.mask_id_number(number.lower()) == identity.mask_id_number(number)
    assert identity.mask_id_number("E12345678") == "E*****678"
    assert identity.mask_phone("13812345678") == "138****5678"
    assert identity.mask_phone("+44 20 7946 0958") == "************0958"
    assert identity.mask("abcdefghij", 6, 6) == "abc***ghij"  # capped by the rule
    for masked in (identity.mask_id_number(number), "138****5678", "E*****678"):
        assert identity.mask_id_number(masked) == masked or identity.mask_phone(masked) == masked


def test_stored_masks_follow_the_rule(app, world):
    body = report()
    created = store(app, id_number=body["id_number"])
    with app.app_context():
        filing = db.session.get(Filing, created.id)
        assert filing.id_number_masked == body["id_number"][:3] + "*" * 11 + body["id_number"][-4:]
        resident = db.session.get(Resident, world["A1"]["resident"])
        assert resident.id_number_masked == resident_id(1)[:3] + "*" * 11 + resident_id(1)[-4:]


# ---- filings: birth date and gender only for a role that may unmask ----------------------

def test_a_role_that_may_not_unmask_gets_no_birth_date_or_gender_of_a_filing(app, web, api):
    body = report()
    created = store(app, id_number=body["id_number"])
    number = body["id_number"]
    county = api("county")  # Command: reads filings, may not unmask
    listing = county.get("/api/v1/filing/")
    shown = county.get(f"/api/v1/filing/{created.id}")
    found = county.get("/api/v1/filing/lookup", query_string={"q": created.receipt})
    for response in (listing, shown, found):
        assert response.status_code == 200
        assert not _rebuildable(response.get_data(as_text=True), number)
    assert "birth_date" not in shown.json["result"] and "gender" not in shown.json["result"]
    assert shown.json["result"]["id_number_masked"] == number[:3] + "*" * 11 + number[-4:]
    page = web("county").get(f"/filingview/show/{created.id}").get_data(as_text=True)
    assert created.receipt in page and not _rebuildable(page, number) and "出生日期" not in page
    exported = web("county").post("/filingview/action_post", data={"action": "export_xlsx",
                                                                     "rowid": [str(created.id)]})
    assert exported.status_code == 200
    headers, rows = xlsx_rows(exported.data)
    assert rows and not any(_rebuildable(str(cell), number) for row in [headers, *rows] for cell in row)

    # A role with the unmask right sees the gender; the birth date (with the mask and the
    # destination county it completes the number) only with the revealed number, audited.
    shown = api("officer").get(f"/api/v1/filing/{created.id}")
    assert shown.json["result"]["gender"] in ("male", "female") and not _rebuildable(shown.get_data(as_text=True), number)
    officer = web("officer")
    page = officer.get(f"/filingview/show/{created.id}").get_data(as_text=True)
    assert "性别" in page and "出生日期" not in page and not _rebuildable(page, number)
    revealed = officer.post(f"/filingunmask/{created.id}").get_data(as_text=True)
    assert number in revealed and "出生日期" in revealed and "1990-03-07" in revealed
    with app.app_context():
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "unmask")) == "unmask"


def test_a_filings_history_keeps_no_birth_date(app, client, api):
    """The filer corrects the ID number: the revision and the audit entry say what
    changed, masked, without the birth dates of either number."""
    created = client.post(PUBLIC_URL, json=report()).json
    changed = filing_resident_id(birth="19851120")
    edited = client.put(f"{PUBLIC_URL}/{created['receipt']}", json={"id_number": changed},
                        headers={"X-Filing-Token": created["token"]})
    assert edited.status_code == 200, edited.json
    with app.app_context():
        filing_id = db.session.scalar(select(Filing.id).where(Filing.receipt == created["receipt"]))
    history = api("county").get(f"/api/v1/filing/{filing_id}/history")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    assert "1985-11-20" not in text and "1990-03-07" not in text and not _rebuildable(text, changed)
    assert changed[:3] + "*" * 11 + changed[-4:] in text
    with app.app_context():
        for changes in db.session.scalars(select(AuditLog.changes)):
            assert "1985-11-20" not in changes and not _rebuildable(changes, changed)


# ---- ledgers: no birth date or gender at all ---------------------------------------------

def test_a_resident_is_served_without_birth_date_or_gender(app, web, api, world):
    number = resident_id(1)
    client = api("township")
    for response in (client.get("/api/v1/resident/"), client.get(f"/api/v1/resident/{world['A1']['resident']}"),
                     client.get("/api/v1/resident/export")):
        assert response.status_code == 200
    listed = client.get("/api/v1/resident/").json["result"]
    assert listed and all("birth_date" not in r and "gender" not in r for r in listed)
    shown = client.get(f"/api/v1/resident/{world['A1']['resident']}")
    assert not _rebuildable(shown.get_data(as_text=True), number)
    headers, rows = xlsx_rows(client.get("/api/v1/resident/export").data)
    assert "性别" not in headers and "出生日期" not in headers
    assert not any(_rebuildable(str(cell), number) for row in rows for cell in row)
    for url in ("/residentview/list/", f"/residentview/show/{world['A1']['resident']}"):
        page = web("township").get(url).get_data(as_text=True)
        assert "居民A1" in page and not _rebuildable(page, number) and "性别" not in page, url


def test_the_audit_log_keeps_no_birth_date_gender_or_full_number(app, api, world):
    number = resident_id(9)
    client = api("township")
    created = client.post("/api/v1/resident/", json={
        "household": world["A1"]["household"], "name": "新人", "id_type": "resident_id",
        "id_number": number, "relation_to_head": "child", "category": "resident", "phone": "13911112222"})
    assert created.status_code == 201, created.json
    for reader in ("county", "township"):
        log = api(reader).get("/api/v1/audit_log/", query_string={"q": "(page_size:100)"})
        assert log.status_code == 200
        text = log.get_data(as_text=True)
        assert "Resident" in text and not _rebuildable(text, number) and "13911112222" not in text
        for entry in log.json["result"]:
            changes = json.loads(entry["changes"] or "{}")
            for field in ("birth_date", "gender"):
                assert all(value in (None, "***") for value in changes.get(field, [])), (field, changes)
            assert "has_open_filing" not in changes  # computed for its reader, not stored


def test_an_exported_resident_file_imports_again_with_the_new_masks(app, api, world):
    client = api("township")
    exported = client.get("/api/v1/resident/export").data
    headers, rows = xlsx_rows(exported)
    numbers = [row[headers.index("证件号码")] for row in rows]
    assert numbers and all(n[3:14] == "*" * 11 for n in numbers)
    response = client.post("/api/v1/resident/import", data=upload(exported), content_type="multipart/form-data")
    assert response.status_code == 200 and response.json == {"created": 0, "updated": 0, "unchanged": 3}


# ---- what was stored before the rule ------------------------------------------------

def test_setup_brings_old_masks_and_change_logs_to_the_rule(app, world):
    from app.core.remask import remask_stored

    number = resident_id(1)
    old_mask = number[:6] + "********" + number[-4:]
    with app.app_context():
        db.session.execute(Resident.__table__.update().values(id_number_masked=old_mask)
                           .where(Resident.id == world["A1"]["resident"]))
        db.session.add(AuditLog(action="create", entity="Resident", entity_id="999999", region_code="410105001003",
                                changes=json.dumps({"id_number_masked": [None, old_mask], "gender": [None, "male"],
                                                    "birth_date": [None, "1990-05-17"], "name": [None, "居民"]},
                                                   ensure_ascii=False)))
        db.session.commit()
        with db.engine.begin() as conn:
            counts = remask_stored(conn)
        assert counts["masked ids"] == 1 and counts["change entries"] == 1
        with db.engine.begin() as conn:
            assert remask_stored(conn) == {"masked ids": 0, "change entries": 0}  # idempotent
        db.session.expire_all()
        assert db.session.get(Resident, world["A1"]["resident"]).id_number_masked == identity.mask_id_number(number)
        changes = json.loads(db.session.scalars(select(AuditLog.changes).where(AuditLog.entity_id == "999999")).one())
        assert changes == {"id_number_masked": [None, identity.mask_id_number(number)], "gender": [None, "***"],
                           "birth_date": [None, "***"], "name": [None, "居民"]}
        assert db.session.scalar(select(FilingRevision.id)) is None


# ---- a resident's link to filings answers within the jurisdiction ------------------------

def test_a_filing_in_another_jurisdiction_does_not_mark_a_resident(app, web, api, world):
    with app.app_context():
        make_filing(resident_id(1), OTHER_COUNTY_COMMUNITY)  # same person, filed to another county
    for viewer in ("township", GRID_MEMBER):
        client = api(viewer)
        assert client.get(f"/api/v1/resident/{world['A1']['resident']}").json["result"]["filing_state"] is None
        listed = client.get("/api/v1/resident/").json["result"]
        assert all(r["filing_state"] is None for r in listed)
        assert "居民A1" not in web(viewer).get("/returningresidentview/list/").get_data(as_text=True)
    # The city, whose jurisdiction holds both the resident and the filing, sees the link.
    assert api("city").get(f"/api/v1/resident/{world['A1']['resident']}").json["result"]["filing_state"] == "returning"


# ---- the user API describes no accounts of elsewhere ------------------------------------

def test_the_user_api_info_lists_no_accounts_of_elsewhere(app, api):
    info = api("township").get("/api/v1/user/_info")
    assert info.status_code == 200
    text = info.get_data(as_text=True)
    for column in info.json.get("add_columns", []) + info.json.get("edit_columns", []):
        assert column["name"] not in ("created_by", "changed_by"), column
    for username in ("city2", "officer2", "integrator2", "township2"):
        assert f'"{username}"' not in text and f" {username}" not in text, username


# ---- a refused household form names no place of elsewhere -------------------------------

def test_a_refused_household_form_does_not_echo_a_foreign_place(app, web, world):
    client = web("township")
    page = client.post("/householdview/add", data={
        "region_code": world["C1"]["unit_code"], "door_number": "901", "head_name": "外人"})
    text = page.get_data(as_text=True)
    assert page.status_code in (200, 400)
    assert "网格C1" not in text and "C1号楼" not in text
    with app.app_context():
        assert db.session.scalar(select(Household.id).where(Household.door_number == "901")) is None
    # Inside the jurisdiction a refused form shows the chosen place again.
    own = client.post("/householdview/add", data={"region_code": world["A1"]["unit_code"], "door_number": ""})
    assert "A1号楼" in own.get_data(as_text=True)
