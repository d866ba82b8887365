"""Reading a ledger file's cells: each kind of column (text, whole number, date,
amount, choice, a masked sensitive value) turns a cell into a value or says, in the
user's language, why it cannot (CellError)."""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale, lazy_gettext as _l

from app.core.text_input import UNSTORABLE_TEXT, is_storable

MASK_CHAR = "*"


class CellError(Exception):
    """A cell that cannot be read; the message says why, in the user's language."""


# ---- reading cells -----------------------------------------------------------------

def text(max_length: int = 200):
    def parse(value):
        value = (value or "").strip()
        if len(value) > max_length:
            raise CellError(_l("At most %(n)s characters.", n=max_length))
        if not is_storable(value):
            raise CellError(UNSTORABLE_TEXT)
        return value or None
    return parse


def integer(low: int, high: int):
    def parse(value):
        if value in (None, ""):
            return None
        try:
            number = int(str(value).strip())
        except ValueError:
            raise CellError(_l("Enter a whole number."))
        if not low <= number <= high:
            raise CellError(_l("Enter a number from %(low)s to %(high)s.", low=low, high=high))
        return number
    return parse


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")


def date(value):
    if value in (None, ""):
        return None
    value = str(value).strip().split(" ")[0]
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    raise CellError(_l("Enter a date like 2022-03-15."))


def amount(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise CellError(_l("Enter an amount in yuan."))


def both_languages(label) -> set[str]:
    """The text of a lazy label in Chinese and in English (a file may use either)."""
    names = set()
    for language in ("zh", "en"):
        with force_locale(language):
            names.add(str(label).strip().lower())
    return names


def choice(options: dict):
    """A coded value written as its code or its label (Chinese or English)."""
    lookup: dict = {}

    def parse(value):
        if value in (None, ""):
            return None
        if not lookup:  # built on first use: labels need the app's catalogues
            for code, option_label in options.items():
                lookup.update({name: code for name in both_languages(option_label) | {str(code).lower()}})
        found = lookup.get(str(value).strip().lower())
        if found is None:
            raise CellError(_l("Write one of: %(values)s.", values="、".join(str(v) for v in options.values())))
        return found
    return parse


def masked_or(parse_plain):
    """A sensitive value: plain, or masked as exported (meaning: keep the stored one)."""
    def parse(value):
        if value and MASK_CHAR in str(value):
            return Masked(str(value).strip())
        return parse_plain(value)
    return parse


@dataclass(frozen=True)
class Masked:
    shown: str
