"""Health codes 健康码: one colour per person (keyed by the ID number's keyed hash, the
same as a filing's ``id_number_hash``), and every change with its time, the rule that
fired and that rule's inputs, so an officer can answer "why am I yellow?"
(app.healthcode)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Text, false

from models.base import MAX_CODE_LENGTH, BigId, Model, ScopedMixin, utcnow

COLOURS = ("green", "yellow", "red")
COLOUR_LABELS = {"green": _l("Green"), "yellow": _l("Yellow"), "red": _l("Red")}
# How bad a colour is: a rule never lowers a colour another rule holds higher.
COLOUR_RANK = {colour: rank for rank, colour in enumerate(COLOURS)}


class HealthCode(ScopedMixin, Model):
    """A person's colour now. ``expires_at``: the end of a self-declared green (it must
    be declared again) or of a colour staff set by hand (``manual``); after it the
    rules decide again. ``region_code``: the community (or coarser region) that owns the
    person when known, for the staff screens' jurisdiction."""

    __tablename__ = "health_code"
    __table_args__ = (Index("ix_health_code_region", "region_code"),)

    person_hash = Column(String(64), primary_key=True)
    colour = Column(String(6), nullable=False)
    rule = Column(String(32), nullable=False)
    changed_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime)
    manual = Column(Boolean, nullable=False, default=False)
    region_code = Column(String(MAX_CODE_LENGTH))
    # The last colour staff set by hand (app.healthcode.rules.set_by_hand): what the rules
    # knew until ``override_at`` no longer counts (a positive released, say) until
    # ``override_until`` (none: for good); what happens after it fires as usual.
    override_at = Column(DateTime)
    override_until = Column(DateTime)

    def colour_label(self):
        return COLOUR_LABELS.get(self.colour, self.colour)


class HealthCodeChange(Model):
    """One change of a person's colour: the rule (or the staff member and reason) and
    the rule's inputs as JSON (the test, the contact, the filing that made it fire)."""

    __tablename__ = "health_code_change"
    __table_args__ = (Index("ix_health_code_change_person", "person_hash", "changed_at"),)

    id = Column(BigId, primary_key=True, autoincrement=True)
    person_hash = Column(String(64), nullable=False)
    colour = Column(String(6), nullable=False)
    previous_colour = Column(String(6))
    rule = Column(String(32), nullable=False)
    inputs = Column(Text)
    reason = Column(String(500))
    changed_at = Column(DateTime, nullable=False, default=utcnow)
    changed_by_id = Column(Integer)  # null: a rule fired

    def colour_label(self):
        return COLOUR_LABELS.get(self.colour, self.colour)



class HealthDeclaration(Model):
    """A self-declaration 健康申报 on the public page (app.healthcode.declarations), for
    oneself or a family member (``proxy_name``, ``proxy_relation``: who declared for them;
    ``declarant_phone_hash``: the phone that declared, which finds the code again in
    我的健康码). Its symptoms count in the rules (fever or cough: yellow); a green from it
    lasts HEALTH_CODE_DECLARED_GREEN_DAYS. The travel and contact answers are kept for
    the officers. Sensitive values as in a filing: encrypted, keyed hash, masked."""

    __tablename__ = "health_declaration"
    __table_args__ = (
        Index("ix_health_declaration_person", "person_hash", "declared_at"),
        Index("ix_health_declaration_declarant", "declarant_phone_hash"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    person_hash = Column(String(64), nullable=False)
    name = Column(String(50), nullable=False)
    id_number_enc = Column(Text, nullable=False)
    id_number_masked = Column(String(32), nullable=False)
    phone_enc = Column(Text, nullable=False)
    phone_hash = Column(String(64), nullable=False)
    phone_masked = Column(String(32), nullable=False)
    declarant_phone_hash = Column(String(64), nullable=False)
    residence_region_code = Column(String(12))
    fever = Column(Boolean, nullable=False, default=False)
    cough = Column(Boolean, nullable=False, default=False)
    id_type = Column(String(20), nullable=False, default="resident_id", server_default="resident_id")
    residence_address = Column(String(200))
    close_contact_14d = Column(Boolean, nullable=False, default=False, server_default=false())
    abroad_14d = Column(Boolean, nullable=False, default=False, server_default=false())
    risk_area_14d = Column(Boolean, nullable=False, default=False, server_default=false())
    proxy_name = Column(String(50))
    proxy_relation = Column(String(20))
    declared_at = Column(DateTime, nullable=False, default=utcnow)
    # Its personal values overwritten after HEALTH_DECLARATION_RETENTION_DAYS
    # (app.healthcode.retention); what the rules read is kept.
    anonymised_at = Column(DateTime)


class HealthCodeHolder(Model):
    """One holder of the public API (POST /api/v1/public/healthcode/declare): an opaque id
    (``holder``: neither the person's hash nor their ID number) and the hash of the secret
    token that reads that person's code (GET /api/v1/public/healthcode/<holder>), as a
    filing keeps its edit token's (app.healthcode.holders)."""

    __tablename__ = "health_code_holder"
    __table_args__ = (Index("ix_health_code_holder_person", "person_hash"),)

    holder = Column(String(32), primary_key=True)
    person_hash = Column(String(64), nullable=False)
    token_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class HealthCodeRecheck(Model):
    """When a person's colour may next change with the clock alone (a window of their
    facts opens or ends: a contact's 14 days, an arrival's, a test sampled later than the
    last decision...): the nightly job (app.healthcode.rules.recompute_all) decides again
    only those due and those with new inputs. No row: nothing of theirs waits on the clock."""

    __tablename__ = "health_code_recheck"
    __table_args__ = (Index("ix_health_code_recheck_at", "recheck_at"),)

    person_hash = Column(String(64), primary_key=True)
    recheck_at = Column(DateTime, nullable=False)


class HealthCodeRun(Model):
    """One run of the province's job (app.healthcode.rules.recompute_all): as of when,
    whether everyone was decided again (``full``) or only those due, and the last id of
    each input table it saw (``marks``, JSON): the next run takes the people of the rows
    after them."""

    __tablename__ = "health_code_run"

    id = Column(BigId, primary_key=True, autoincrement=True)
    as_of = Column(DateTime, nullable=False)
    full = Column(Boolean, nullable=False)
    changed = Column(Integer, nullable=False)
    marks = Column(Text, nullable=False)


__all__ = ["HealthCode", "HealthCodeChange", "HealthDeclaration", "HealthCodeHolder", "HealthCodeRecheck",
           "HealthCodeRun", "COLOURS", "COLOUR_LABELS", "COLOUR_RANK"]
