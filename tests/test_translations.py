"""Every user-visible text has a German translation with the same placeholders."""

import importlib.util
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}|%[sdn]|%\d")


def _extractor():
    spec = importlib.util.spec_from_file_location(
        "update_translations", ROOT / "packaging" / "update_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _german() -> dict[str, str]:
    with (ROOT / "resources" / "translations" / "de.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}


def test_every_text_in_the_code_and_forms_is_translated_to_german():
    german = _german()
    missing = sorted(text for text in _extractor().messages() if not german.get(text))
    assert missing == [], "run packaging/update_translations.py and translate these"


def test_translations_keep_their_placeholders():
    wrong = [(source, target) for source, target in _german().items()
             if target and sorted(PLACEHOLDER.findall(source)) !=
             sorted(PLACEHOLDER.findall(target))]
    assert wrong == []


def test_extractor_sees_qt_and_gettext_calls(tmp_path):
    """The extractor is what makes the first test meaningful: it must find both kinds."""
    found = _extractor().messages()
    assert "Customer number" in found  # salesdesk.i18n._ in the domain
    assert any(place[0].startswith("salesdesk/services") for places in found.values()
               for place in places)
