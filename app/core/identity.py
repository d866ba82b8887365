"""Identity: ID-number and phone rules, encryption at rest, keyed hashes, masking.

Sensitive values (ID numbers, phones) are stored three ways: encrypted (AES-GCM with
the key from FIELD_ENCRYPTION_KEY, so the plain value can be recovered by a role that
may see it), a keyed hash (HMAC-SHA256, so a person is found by ID number without
decrypting anything) and a masked copy (what every list and screen shows).
"""
import base64
import datetime as dt
import hashlib
import hmac
from operator import mul
import os
import re
import secrets
from functools import lru_cache
from typing import Optional

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
PHONE_RE = re.compile(r"^\+?[\d\- ]{5,20}$")


# ---- resident ID (GB 11643) -------------------------------------------------------

def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


ASCII_ZERO_WEIGHTED = ord("0") * sum(ID_WEIGHTS)


def resident_id_check_char(first17: str) -> str:
    if first17.isascii():  # the fast form (millions per feed): the digits' bytes, less "0"s
        total = sum(map(mul, first17.encode(), ID_WEIGHTS)) - ASCII_ZERO_WEIGHTED
    else:
        total = sum(map(mul, map(int, first17), ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


@lru_cache(maxsize=65536)
def _birth_date(digits: str) -> Optional[dt.date]:
    """The date of a resident ID's 8 birth digits (YYYYMMDD) from 1900 on, else None;
    remembered (a feed of millions has a few tens of thousands of birthdays)."""
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return birth if birth.year >= 1900 else None


def parse_resident_id(value: str) -> Optional[dict]:
    """``{"birth_date", "gender"}`` for a valid 18-character resident ID, else None:
    format, a real birth date not in the future, and the GB 11643 check character."""
    value = normalize_id_number(value)
    if not RESIDENT_ID_RE.match(value):
        return None
    birth = _birth_date(value[6:14])
    if birth is None or birth > dt.date.today():
        return None
    if resident_id_check_char(value[:17]) != value[17]:
        return None
    return {"birth_date": birth, "gender": "male" if int(value[16]) % 2 else "female"}


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match((value or "").strip()))


def is_phone(value: str) -> bool:
    return bool(PHONE_RE.match((value or "").strip()))


# ---- encryption, keyed hash, masking ------------------------------------------------

@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[AESGCM, bytes]:
    raw = base64.urlsafe_b64decode(secret.encode())
    if len(raw) != 32:
        raise ValueError("FIELD_ENCRYPTION_KEY must be 32 bytes, base64")
    # Separate keys for encryption and hashing, both derived from the one secret.
    enc_key = hmac.new(raw, b"field-encryption", hashlib.sha256).digest()
    hash_key = hmac.new(raw, b"field-lookup-hash", hashlib.sha256).digest()
    return AESGCM(enc_key), hash_key


def _current_keys():
    return _keys(current_app.config["FIELD_ENCRYPTION_KEY"])


def encrypt(value: Optional[str]) -> Optional[str]:
    if value is None or value == "":
        return None
    return base64.b64encode(encrypt_bytes(value.encode())).decode()


def decrypt(token: Optional[str]) -> Optional[str]:
    if not token:
        return None
    return decrypt_bytes(base64.b64decode(token)).decode()


def encrypt_bytes(data: bytes) -> bytes:
    """``data`` encrypted (nonce first), for a whole file kept a while (an import job's)."""
    aead, _ = _current_keys()
    nonce = os.urandom(12)
    return nonce + aead.encrypt(nonce, data, None)


def decrypt_bytes(blob: bytes) -> bytes:
    aead, _ = _current_keys()
    return aead.decrypt(blob[:12], blob[12:], None)


def protect_all(values, masker) -> dict:
    """``{value: (encrypted, keyed hash, masked)}`` for each distinct value of
    ``values``, the same as ``encrypt``, ``lookup_hash`` and ``masker`` give one by one
    (an empty value: three Nones), at a feed's million: the keys looked up once, the
    nonces read from the system's randomness in one go, the keyed hash (HMAC-SHA256)
    continued from its key's precomputed inner and outer states."""
    aead, key = _current_keys()
    inner, outer = _hmac_states(key)
    forms = dict.fromkeys(values)
    plain = [value for value in forms if value]
    nonces = os.urandom(12 * len(plain))
    for number, value in enumerate(plain):
        data, nonce = value.encode(), nonces[12 * number:12 * number + 12]
        keyed, keyed_outer = inner.copy(), outer.copy()
        keyed.update(data)
        keyed_outer.update(keyed.digest())
        forms[value] = (base64.b64encode(nonce + aead.encrypt(nonce, data, None)).decode(),
                        keyed_outer.hexdigest(), masker(value))
    for value in forms:
        if not value:
            forms[value] = (None, None, None)
    return forms


def _hmac_states(key: bytes):
    """SHA-256 after the HMAC key's inner and outer pads (RFC 2104; the key is 32 bytes,
    shorter than SHA-256's 64-byte block, so it is padded, not hashed)."""
    assert len(key) <= 64
    padded = key.ljust(64, b"\0")
    return (hashlib.sha256(bytes(byte ^ 0x36 for byte in padded)),
            hashlib.sha256(bytes(byte ^ 0x5C for byte in padded)))


def lookup_hash(value: Optional[str]) -> Optional[str]:
    """Keyed hash for finding a row by a sensitive value (an ID number, a phone)."""
    if not value:
        return None
    _, key = _current_keys()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


# What a mask may keep: at most the first 3 and the last 4 characters of a value. The
# 8 birth-date digits of a resident ID (and the region digits around them) stay hidden,
# so no other served field can complete a masked number.
MASK_KEEP_START, MASK_KEEP_END = 3, 4
# Read from a resident ID: served only to a role that may unmask (app.core.roles), the birth
# date only with the revealed number; never kept in the audit log or a filing's revisions.
ID_DERIVED_FIELDS = ("birth_date", "gender")


def mask(value: Optional[str], keep_start: int = 0, keep_end: int = MASK_KEEP_END) -> Optional[str]:
    """``value`` with all but ``keep_start`` leading and ``keep_end`` trailing characters
    starred (capped by the mask rule); masking a masked value changes nothing."""
    if not value:
        return value
    keep_start, keep_end = min(keep_start, MASK_KEEP_START), min(keep_end, MASK_KEEP_END)
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end:]


def mask_id_number(value: Optional[str]) -> Optional[str]:
    """``410***********1234`` for a resident ID, ``E*****678`` for other documents."""
    value = normalize_id_number(value) if value else value
    if value and len(value) == 18:
        return mask(value, MASK_KEEP_START, MASK_KEEP_END)
    return mask(value, 1, 3)


def mask_phone(value: Optional[str]) -> Optional[str]:
    """``138****5678``; other numbers keep their last 4 digits."""
    value = (value or "").strip()
    if len(value) == 11:
        return mask(value, MASK_KEEP_START, MASK_KEEP_END)
    return mask(value, 0, MASK_KEEP_END)


def mask_name(value: Optional[str]) -> Optional[str]:
    """``张**``: a person's name as public pages show it (a health code, a venue's door):
    the first character at most, so a family can tell its members apart."""
    if not value or not value.strip():
        return value
    value = value.strip()
    return value[:1] + "*" * max(len(value) - 1, 1)


def protect(value: Optional[str], masker) -> dict:
    """The three stored forms of a sensitive value."""
    return {"enc": encrypt(value), "hash": lookup_hash(value), "masked": masker(value)}


# ---- receipts -----------------------------------------------------------------------

RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud, typed on phones
RECEIPT_LENGTH = 10  # 32**10 ≈ 10**15: unguessable among millions of filings


def new_receipt() -> str:
    """The short code a traveller shows at a checkpoint and gets by SMS."""
    # One read of the system's randomness, 5 bits a character: uniform, because 256 is a
    # multiple of the alphabet's 32 letters, and ten times faster than a choice each.
    return "".join(RECEIPT_ALPHABET[byte & 31] for byte in secrets.token_bytes(RECEIPT_LENGTH))


def new_token() -> str:
    """The secret that lets the filer view, edit or cancel; only its hash is stored."""
    return secrets.token_urlsafe(18)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
