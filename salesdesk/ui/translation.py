"""One catalog for Qt and Python: tr(), Designer forms and ``_()`` all read LANG.po.

Qt asks every installed translator, newest first, and takes the first non-null answer;
so the catalog translator answers None (a null QString) for texts it does not know,
which lets Qt's own qtbase translator (standard buttons: "Cancel", "&Yes") and finally
the source text win. ("" would be taken as the translation: every text would vanish.)
"""

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from salesdesk.i18n import current_language, gettext, set_language
from salesdesk.ui.formatting import locale_name

log = logging.getLogger(__name__)


class CatalogTranslator(QTranslator):
    """Answers Qt's translate() from salesdesk.i18n (the .po catalog)."""

    def translate(self, context, source_text, disambiguation=None, n=-1):  # override
        if not source_text:
            return None
        translated = gettext(source_text)
        return translated if translated != source_text else None

    def isEmpty(self) -> bool:  # override
        return False


def qt_translator(language: str) -> QTranslator | None:
    """Qt's own translations (standard buttons and dialogs), if shipped for ``language``."""
    if language == "en":
        return None
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(QCoreApplication.instance())
    if translator.load(f"qtbase_{language}", folder):
        return translator
    log.info("no Qt translations for %s in %s", language, folder)
    return None


def install_translation(language: str) -> list[QTranslator]:
    """Switch the app to ``language`` (en, de): catalog, Qt texts, QLocale.

    Returns the installed translators (for ``remove_translation``).
    """
    set_language(language)
    language = current_language()
    app = QCoreApplication.instance()
    installed = []
    for translator in (qt_translator(language), CatalogTranslator(app)):
        if translator is not None and app.installTranslator(translator):
            installed.append(translator)
    QLocale.setDefault(QLocale(locale_name(language)))
    return installed


def remove_translation(installed: list[QTranslator]) -> None:
    app = QCoreApplication.instance()
    for translator in installed:
        app.removeTranslator(translator)
