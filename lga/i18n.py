"""Interface languages: choosing the reader's language and reading translated content."""
from __future__ import annotations

from typing import Mapping

from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_CODES = ("sq", "en", "sr")
DEFAULT_LANGUAGE = "sq"
LANGUAGE_NAMES = {"sq": "Shqip", "en": "English", "sr": "Srpski"}
LANG_COOKIE = "lga_lang"
# BCP 47 tags for <html lang>: Serbian is written in Latin script here.
HTML_LANG = {"sq": "sq", "en": "en", "sr": "sr-Latn"}

# When content lacks the reader's language, try these next.
FALLBACKS = {"sq": ("sq", "en"), "en": ("en", "sq"), "sr": ("sr", "en", "sq")}


def normalise_language(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().lower().replace("-", "_").split("_")[0]
    return code if code in LANGUAGE_CODES else None


def chosen_language() -> str:
    """The UI language for this request: the user's setting, then the cookie, then Albanian."""
    if has_request_context():
        if getattr(current_user, "is_authenticated", False) and normalise_language(current_user.locale):
            return current_user.locale
        cookie = normalise_language(request.cookies.get(LANG_COOKIE))
        if cookie:
            return cookie
    return DEFAULT_LANGUAGE


def select_locale() -> str:
    """Flask-Babel locale selector: the Babel locale of the chosen language."""
    return current_app.config["LANGUAGES"][chosen_language()]


def current_language() -> str:
    """The UI code (sq, en, sr) of the active Babel locale (also inside force_locale)."""
    locale = get_locale()
    return normalise_language(str(locale)) or DEFAULT_LANGUAGE if locale else DEFAULT_LANGUAGE


def html_lang() -> str:
    return HTML_LANG[current_language()]


def babel_locale_for(code: str | None) -> str:
    return current_app.config["LANGUAGES"][normalise_language(code) or DEFAULT_LANGUAGE]


def localized(texts: Mapping[str, str] | None, language: str | None = None) -> str:
    """Pick the reader's language from a {"sq": ..., "en": ...} mapping, with fallbacks."""
    if not texts:
        return ""
    language = language or current_language()
    for code in FALLBACKS.get(language, (language,)):
        value = texts.get(code)
        if value:
            return value
    return next((v for v in texts.values() if v), "")
