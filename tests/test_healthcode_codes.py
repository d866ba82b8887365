"""The health code's store (app.healthcode.codes) and its dynamic QR token
(app.healthcode.tokens): a change is recorded once with its rule and inputs, an expired
code reads as none, a token is refused after 5 minutes, forged or from the future."""
import datetime as dt

import pytest

from app.healthcode.codes import current_code, current_codes, history, person_hash_of, record_colour
from app.healthcode.tokens import CodeTokenRefused, issue_code_token, read_code_token
from tests.filing_data import resident_id

NOW = dt.datetime(2026, 3, 5, 2, 0)
MINUTE, DAY = dt.timedelta(minutes=1), dt.timedelta(days=1)


def test_a_change_is_recorded_once_with_its_rule_and_inputs(ctx):
    person = person_hash_of(resident_id(1))
    assert current_code(person, NOW).colour is None
    assert record_colour(person, "yellow", "arrived_from_outside", NOW, inputs={"filing": 7})
    assert not record_colour(person, "yellow", "arrived_from_outside", NOW + MINUTE, inputs={"filing": 7})
    assert record_colour(person, "green", "tests_after_arrival", NOW + DAY)
    changes = history(person)
    assert [(c.colour, c.previous_colour, c.rule) for c in changes] == [
        ("green", "yellow", "tests_after_arrival"), ("yellow", None, "arrived_from_outside")]
    assert '"filing": 7' in changes[1].inputs
    assert current_code(person, NOW + DAY).colour == "green"


def test_an_expired_code_reads_as_none(ctx):
    person, other = person_hash_of(resident_id(2)), person_hash_of(resident_id(3))
    record_colour(person, "green", "declared", NOW, expires_at=NOW + 14 * DAY)
    codes = current_codes([person, other], NOW + 14 * DAY - MINUTE)
    assert codes[person].colour == "green" and codes[other].colour is None
    assert current_code(person, NOW + 14 * DAY).colour is None


def test_a_token_lives_five_minutes(app):
    with app.test_request_context():
        person = person_hash_of(resident_id(4))
        token = issue_code_token(person, NOW)
        assert token == issue_code_token(person, NOW + dt.timedelta(seconds=59))
        assert token != issue_code_token(person, NOW + MINUTE)
        assert read_code_token(token, NOW + 5 * MINUTE) == person
        with pytest.raises(CodeTokenRefused):
            read_code_token(token, NOW + 5 * MINUTE + dt.timedelta(seconds=1))
        with pytest.raises(CodeTokenRefused):
            read_code_token(token, NOW - 2 * MINUTE)
        with pytest.raises(CodeTokenRefused):
            read_code_token(token[:-2] + "xx", NOW)
        with pytest.raises(CodeTokenRefused):
            read_code_token("", NOW)
