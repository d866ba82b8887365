"""What people read for a filing's fields and coded values (Chinese by default,
English second). Shared by the public page, the staff screens and the import, whose
column headers may be the field names or these labels in either language."""
from babel import Locale
from flask_babel import get_locale, lazy_gettext as _l

FIELD_LABELS = {
    "receipt": _l("Receipt"),
    "status": _l("Status"),
    "channel": _l("Channel"),
    "name": _l("Full name"),
    "id_type": _l("ID type"),
    "id_number": _l("ID number"),
    "phone": _l("Mobile phone"),
    "gender": _l("Gender"),
    "birth_date": _l("Birth date"),
    "origin_country": _l("Coming from (country)"),
    "origin_region_code": _l("Coming from (county)"),
    "origin_address": _l("Address at origin"),
    "departure_at": _l("Departure time"),
    "expected_arrival_at": _l("Expected arrival time"),
    "transport_mode": _l("Transport"),
    "transport_no": _l("Flight, train or plate number"),
    "transit": _l("Transit through"),
    "destination_region_code": _l("Destination community (village)"),
    "destination_address": _l("Address at destination"),
    "work_unit": _l("Work unit or school"),
    "fever": _l("Fever (37.3 ℃ or more)"),
    "cough": _l("Cough"),
    "fatigue": _l("Fatigue"),
    "other_symptoms": _l("Other symptoms"),
    "risk_area_14d": _l("In a medium or high risk area in the last 14 days"),
    "abroad_14d": _l("Abroad in the last 14 days"),
    "close_contact_14d": _l("Close contact of a case in the last 14 days"),
    "commitment": _l("Commitment"),
    "proxy_name": _l("Filed by (name)"),
    "proxy_phone": _l("Filed by (phone)"),
    "proxy_relation": _l("Relation to the filer"),
    "arrived_at": _l("Arrival time (already arrived)"),
    "late_notice": _l("Filed late"),
    "is_backfill": _l("Backfill"),
    "edit_count": _l("Edits used"),
    "check_count": _l("Checks"),
    "last_checked_at": _l("Last checked"),
    "test_result": _l("Test result"),
    "control_measure": _l("Control measure"),
    "control_start": _l("Control start"),
    "control_end": _l("Control end"),
    "anonymised_at": _l("Personal data removed"),
    "filed_at": _l("Filed at"),
    "updated_at": _l("Updated at"),
    "id_number_masked": _l("ID number"),
    "phone_masked": _l("Mobile phone"),
    "proxy_phone_masked": _l("Filed by (phone)"),
    "destination": _l("Destination community (village)"),
    # checks and transfers
    "method": _l("Check method"),
    "arrived": _l("Arrived"),
    "actual_transport_mode": _l("Actual transport"),
    "tested": _l("Nucleic-acid test done"),
    "test_at": _l("Test time"),
    "note": _l("Note"),
    "to_region_code": _l("Receiving community (village)"),
    "from_region_code": _l("From community"),
    "reason": _l("Reason"),
}

STATUS_LABELS = {
    "submitted": _l("Waiting for a check"),
    "arrived": _l("Arrived"),
    "not_arrived": _l("Not arrived"),
    "cancelled": _l("Cancelled"),
    "closed": _l("Closed"),
}
ID_TYPE_LABELS = {
    "resident_id": _l("Resident ID card"),
    "passport": _l("Passport"),
    "hk_macao_permit": _l("Mainland travel permit for Hong Kong and Macao residents"),
    "taiwan_permit": _l("Mainland travel permit for Taiwan residents"),
    "other": _l("Other document"),
}
TRANSPORT_LABELS = {
    "flight": _l("Flight"), "train": _l("Train"), "coach": _l("Coach"), "car": _l("Car"),
    "ship": _l("Ship"), "other": _l("Other"),
}
GENDER_LABELS = {"male": _l("Male"), "female": _l("Female")}
CHANNEL_LABELS = {
    "web": _l("Web page"), "paper": _l("Paper form"), "hotline": _l("Hotline call (12345)"),
    "checkpoint": _l("Checkpoint"),
    "import": _l("Import"), "api": _l("API"),
}
CHECK_METHOD_LABELS = {"phone": _l("By phone"), "visit": _l("Visit")}
TEST_RESULT_LABELS = {"negative": _l("Negative"), "positive": _l("Positive"), "pending": _l("Pending")}
CONTROL_LABELS = {
    "none": _l("None"), "health_monitoring": _l("Health monitoring"),
    "home_quarantine": _l("Home quarantine"), "central_quarantine": _l("Centralised quarantine"),
}
RELATION_LABELS = {
    "spouse": _l("Spouse"), "child": _l("Child"), "parent": _l("Parent"),
    "grandparent": _l("Grandparent"), "grandchild": _l("Grandchild"), "sibling": _l("Sibling"),
    "relative": _l("Relative"), "other": _l("Other"),
}
REVISION_LABELS = {
    "create": _l("Filed"), "edit": _l("Changed"), "cancel": _l("Cancelled"),
    "check": _l("Checked"), "transfer": _l("Transferred"), "backfill": _l("Backfilled"),
}
# Coded values by field, to show them (and to read them back from an import).
CHOICE_LABELS = {
    "status": STATUS_LABELS, "id_type": ID_TYPE_LABELS, "transport_mode": TRANSPORT_LABELS,
    "actual_transport_mode": TRANSPORT_LABELS, "gender": GENDER_LABELS,
    "channel": CHANNEL_LABELS, "method": CHECK_METHOD_LABELS, "test_result": TEST_RESULT_LABELS,
    "control_measure": CONTROL_LABELS, "proxy_relation": RELATION_LABELS,
}


def choice_label(field: str, value) -> str:
    """The label of a coded value (the value itself when it has none)."""
    if value is None:
        return ""
    label = CHOICE_LABELS.get(field, {}).get(value)
    return str(label) if label is not None else str(value)


def country_names() -> dict:
    """ISO 3166 code -> the country's name in the current language."""
    return Locale.parse(str(get_locale() or "zh")).territories


def country_name(code) -> str:
    return country_names().get(code or "", code or "")
