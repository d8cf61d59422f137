"""Every UI string has its Arabic translation, the compiled catalog matches it, and no
string in the code or the templates is missing from the catalog."""

import ast
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, missing_service

CATALOG = REPO / "locale" / "ar" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), fuzzy."""
    entries, entry, field = [], None, None

    def close():
        if entry and entry.get("msgid") is not None:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
            entry["fuzzy"] = False
        if line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += value
            else:
                entry[field] += value
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        if keyword.startswith("msgstr["):
            field = ("msgstr", int(keyword[7:-1]))
            entry["msgstr"][field[1]] = value
        elif keyword == "msgstr":
            field = ("msgstr", 0)
            entry["msgstr"][0] = value
        else:
            field = keyword
            entry[keyword] = value
    close()
    return [e for e in entries if e["msgid"] != ""]


def test_every_ui_string_has_an_arabic_translation():
    entries = po_entries(CATALOG)
    assert len(entries) > 200
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalog_matches_the_translations():
    with COMPILED.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries(CATALOG):
        context = entry["msgctxt"]
        if entry["msgid_plural"]:
            got = (
                compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], 1)
                if context
                else compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1)
            )
            assert got == entry["msgstr"][min(entry["msgstr"])] or got in entry["msgstr"].values()
        else:
            got = (
                compiled.pgettext(context, entry["msgid"])
                if context
                else compiled.gettext(entry["msgid"])
            )
            assert got == entry["msgstr"][0], entry["msgid"]


def test_no_string_in_the_code_or_templates_is_missing_from_the_catalog(tmp_path):
    if not shutil.which("xgettext"):
        missing_service("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "src"
    for name in ("claims", "sources", "conflictdesk", "accounts", "templates", "locale"):
        shutil.copytree(
            REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "data")
        )
    shutil.copy(REPO / "manage.py", copy / "manage.py")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "ar",
            "--no-obsolete",
            "--add-location=never",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    wanted = {
        (e["msgctxt"], e["msgid"]) for e in po_entries(copy / "locale/ar/LC_MESSAGES/django.po")
    }
    present = {(e["msgctxt"], e["msgid"]) for e in po_entries(CATALOG)}
    assert sorted(wanted - present, key=str) == []
