"""The app's gettext helper.

One catalog per language (resources/translations/LANG.po), read with babel at run time,
so there is no compiled artefact to forget. Qt code reaches the same catalog through a
QTranslator in salesdesk.ui.translation; everything else calls ``_()``.
"""

from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

SUPPORTED_LANGUAGES = ("en", "de")
_state = {"language": "en"}


@cache
def _catalog(language: str) -> dict[str, str]:
    source = resources.files("salesdesk.resources") / "translations" / f"{language}.po"
    if not source.is_file():
        return {}
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def set_language(language: str) -> None:
    """Switch the language of every later translation ("de", "en", or "de_DE")."""
    base = language.split("_")[0].split("-")[0].lower()
    _state["language"] = base if base in SUPPORTED_LANGUAGES else "en"


def current_language() -> str:
    return _state["language"]


def gettext(message: str) -> str:
    """Translate ``message`` into the current language; unknown texts stay English."""
    if _state["language"] == "en":
        return message
    return _catalog(_state["language"]).get(message, message)


def translate_to(language: str, message: str) -> str:
    return _catalog(language).get(message, message) if language != "en" else message


_ = gettext
