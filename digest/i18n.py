"""The editors' language: every sentence an editor reads passes through here.

Messages are written in English in the code, marked with :func:`_` (or
:func:`ngettext` where a number decides the form), and translated through the
gettext catalogs under ``locale/`` (managed with Babel: see the README's
"Translating the messages"). The command line picks the language once, from
``--lang`` or site.yaml's ``language``; until it does, the messages stay in
English, the source language, which is what the library's own callers and unit
tests see.

Placeholders are named and filled with ``str.format`` after translation, so a
translator can move them::

    _("'{key}:' must be a date").format(key=key)
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "digest"
LANGUAGES = ("zh", "en")

_catalog: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def language_of(code: str) -> str:
    """The catalog for a site's language tag: ``zh``, ``zh-CN``, ``zh-Hans`` → zh; else en."""
    return "zh" if code.strip().lower().startswith("zh") else "en"


def use_language(code: str) -> None:
    """Speak ``code`` (a language tag) from now on, in this process and the ones it forks."""
    global _catalog, _language
    _language = language_of(code)
    _catalog = gettext.translation(DOMAIN, LOCALE_DIR, [_language], fallback=True)


def current_language() -> str:
    """``zh`` or ``en``: what the messages are made in now (the build cache keys on it)."""
    return _language


@lru_cache(maxsize=None)
def page_texts(code: str) -> gettext.NullTranslations:
    """The texts templates and page makers put on a site's pages, in the SITE's language
    (site.yaml's ``language``), whatever language the command line speaks to the editor."""
    return gettext.translation(DOMAIN, LOCALE_DIR, [language_of(code)], fallback=True)


def _(message: str) -> str:
    return _catalog.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _catalog.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """A message whose English is ambiguous alone; ``context`` tells the translator which it is."""
    return _catalog.pgettext(context, message)


def N_(message: str) -> str:
    """Mark a message for the catalog where it is defined; :func:`_` translates it where it is used."""
    return message
