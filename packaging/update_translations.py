"""Collect every user-visible string into resources/translations/LANG.po.

Sources: ``_()``/``gettext()`` calls and Qt's ``tr()``/``translate(ctx, text)`` in
salesdesk/, and the <string> texts of forms/*.ui. Existing translations are kept; new
texts are added untranslated (tests/test_translations.py fails until someone translates
them). Run: ``python packaging/update_translations.py``.
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("de",)
KEYWORDS = {"_": None, "gettext": None, "tr": None, "translate": (2,)}


def python_messages() -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    method_map = [("**.py", "python")]
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT / "salesdesk", method_map, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            message = next((m for m in message if m), None)
        if message:
            found.setdefault(message, []).append((f"salesdesk/{filename}", lineno))
    return found


def form_messages() -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for form in sorted((ROOT / "forms").glob("*.ui")):
        for node in ET.parse(form).iter("string"):
            if node.text and node.text.strip() and node.get("notr") != "true":
                found.setdefault(node.text, []).append((f"forms/{form.name}", 0))
    return found


def messages() -> dict[str, list[tuple[str, int]]]:
    merged = python_messages()
    for text, places in form_messages().items():
        merged.setdefault(text, []).extend(places)
    return merged


def update(language: str, found: dict[str, list[tuple[str, int]]]) -> Path:
    path = ROOT / "resources" / "translations" / f"{language}.po"
    old = {}
    if path.exists():
        with path.open("rb") as handle:
            old = {m.id: m.string for m in read_po(handle, locale=language) if m.id}
    catalog = Catalog(locale=language, project="SalesDesk", charset="utf-8")
    for text in sorted(found):
        catalog.add(text, old.get(text, ""), locations=found[text])
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, include_lineno=False)
    return path


def main() -> int:
    found = messages()
    for language in LANGUAGES:
        path = update(language, found)
        with path.open("rb") as handle:
            missing = [m.id for m in read_po(handle) if m.id and not m.string]
        print(f"{path.relative_to(ROOT)}: {len(found)} texts, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
