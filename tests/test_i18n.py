"""Every message a person reads is translated: Chinese by default, English on request."""
from babel.messages.pofile import read_po

from app.core.i18n import TRANSLATIONS_DIR, extract_messages


def _catalog(language):
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def test_every_message_in_the_code_has_a_chinese_translation():
    zh = _catalog("zh")
    missing = [m.id for m in extract_messages() if m.id and not (zh.get(m.id) and zh.get(m.id).string)]
    assert not missing, f"untranslated: {missing[:20]} (run python -m app.core.i18n)"


def test_no_empty_or_fuzzy_chinese_entries():
    zh = _catalog("zh")
    assert not [m.id for m in zh if m.id and (not m.string or m.fuzzy)]


def test_placeholders_are_kept_in_translations():
    import re

    for message in _catalog("zh"):
        if message.id and isinstance(message.id, str):
            assert set(re.findall(r"%\(\w+\)s", message.id)) == set(re.findall(r"%\(\w+\)s", message.string)), message.id


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login/").get_data(as_text=True)
    assert "用户名" in page and "密码" in page


def test_language_switch_gives_english(web):
    client = web("officer")
    client.get("/lang/en")
    page = client.get("/").get_data(as_text=True)
    assert "Jurisdiction" in page
    client.get("/lang/zh")
    assert "管辖区域" in client.get("/").get_data(as_text=True)


def test_api_errors_follow_accept_language(api):
    zh = api("admin").post("/api/v1/region/", json={"code": "440307", "name": "龙岗区", "level": 3, "parent_code": "4403"})
    en = api("admin", language="en").post("/api/v1/region/", json={"code": "440307", "name": "龙岗区", "level": 3, "parent_code": "4403"})
    assert zh.json["message"] == "该区划不在您的管辖范围内。"
    assert en.json["message"] == "This region is outside your jurisdiction."


def test_not_found_is_translated(api):
    assert api("officer").get("/api/v1/nothing-here").json["message"] == "未找到。"


def test_flask_appbuilder_strings_are_chinese_too():
    """FAB's own strings that its catalogue lacks are translated by ours."""
    import os

    import flask_appbuilder
    from babel.messages.extract import extract_from_dir

    root = os.path.dirname(flask_appbuilder.__file__)
    with open(os.path.join(root, "translations/zh/LC_MESSAGES/messages.po"), "rb") as handle:
        fab = {m.id for m in read_po(handle) if m.id and m.string and not m.fuzzy}
    ours = {m.id for m in _catalog("zh") if m.id and m.string}
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "__": None}
    missing = set()
    for _f, _n, message, _c, _ctx in extract_from_dir(
            root, [("**.py", "python"), ("**/templates/**.html", "jinja2")], keywords=keywords):
        message = message[0] if isinstance(message, tuple) else message
        if message and message not in fab and message not in ours:
            missing.add(message)
    assert not missing, sorted(missing)
