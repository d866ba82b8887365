"""Languages: Chinese by default, English second, for screens, APIs and errors.

The catalogues live in babel/translations (ours, merged after FAB's so ours win).
``compile_catalogues`` turns each .po into .mo when it changed, failing loudly on a
broken catalogue (FAB's ``flask fab babel-compile`` ignores failures)."""
from functools import lru_cache
import os
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, has_request_context, request, session

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "babel" / "translations"


def compile_catalogues(directory: Path = TRANSLATIONS_DIR, force: bool = False) -> list[Path]:
    compiled = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as handle:
            catalog = read_po(handle, locale=po_path.parts[-3], abort_invalid=True)
        errors = list(catalog.check())
        if errors:
            problems = "; ".join(f"{msg.id!r}: {err}" for msg, err in errors[:5])
            raise RuntimeError(f"{po_path}: {problems}")
        # Each process its own file: test workers may compile at the same moment.
        tmp = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        compiled.append(mo_path)
    return compiled


def select_locale() -> Locale:
    """``?lang=`` (kept in the session for pages), else for the API the request's
    Accept-Language, else the session's choice, else Chinese."""
    return _locale(_locale_name())


@lru_cache(maxsize=None)
def _locale(name: str) -> Locale:
    """Parsed once: Flask-Babel parses a name anew on every request, which looks for
    the locale's data file on disk each time."""
    return Locale.parse(name)


def _locale_name() -> str:
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # CLI and jobs speak the default language
        return default
    # The public filing API asks this on every request: parse no more than needed.
    asked = (request.args.get("lang") or request.args.get("_l_")) if request.query_string else None
    if asked in languages:
        if not request.path.startswith("/api/"):
            session["locale"] = asked
        return asked
    if request.path.startswith("/api/"):
        if "Accept-Language" not in request.headers:
            return default
        return request.accept_languages.best_match(list(languages)) or default
    return session.get("locale") or default


def init_i18n(app) -> None:
    if compile_catalogues():
        # Building the app (menus, permissions) already looked the catalogues up, before
        # they were compiled on a fresh checkout: forget that empty lookup.
        app.extensions["babel"].instance.domain_instance.cache.clear()
    app.extensions["babel"].locale_selector = select_locale


# ---- keeping the catalogues in step with the code ---------------------------------

SOURCE_DIRS = ("app", "views", "models", "scheduler")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
            "lazy_gettext": None, "_n": (1, 2)}
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
PROJECT_DIR = TRANSLATIONS_DIR.parent.parent


def extract_messages():
    """Every translatable string of the project's code and templates, as a Catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="console", charset="utf-8")
    for directory in SOURCE_DIRS:
        path = PROJECT_DIR / directory
        if not path.exists():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
                str(path), METHOD_MAP, keywords=KEYWORDS,
                options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}}):
            catalog.add(message, None, [(f"{directory}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def update_catalogues() -> dict[str, list[str]]:
    """Merge newly extracted strings into each language's .po (keeping translations);
    returns the msgids still untranslated per language (English needs none)."""
    from babel.messages.pofile import write_po

    template = extract_messages()
    # A fixed date: the header would otherwise change on every run and every merge.
    import datetime

    template.creation_date = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    missing = {}
    for language in ("zh", "en"):
        po_path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            with open(po_path, "rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=language, project="console", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with open(po_path, "wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
        missing[language] = [m.id for m in catalog if m.id and not m.string]
    return missing


def fill_translations(pairs: dict[str, str], language: str = "zh") -> list[str]:
    """Set translations from ``{msgid: msgstr}``; returns the msgids still missing."""
    from babel.messages.pofile import write_po

    po_path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        if message.id in pairs:
            message.string = pairs[message.id]
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)
    return [m.id for m in catalog if m.id and not m.string]


if __name__ == "__main__":
    # python -m app.core.i18n             update the catalogues from the code, list the gaps
    # python -m app.core.i18n fill F.json  add Chinese translations {"msgid": "译文"} from F.json
    import json
    import sys

    gaps = update_catalogues()
    if sys.argv[1:2] == ["fill"]:
        with open(sys.argv[2], encoding="utf-8") as handle:
            gaps["zh"] = fill_translations(json.load(handle))
    for message_id in gaps["zh"]:
        print(f"untranslated (zh): {message_id!r}")
    compile_catalogues(force=True)
    sys.exit(1 if gaps["zh"] else 0)
