"""Languages: Albanian by default, a remembered choice, and complete catalogues."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import login, post_form

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "lga" / "translations"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Every message the code and templates use, extracted afresh."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "--quiet", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "-k", "_pl:1c,2", "-k", "lazy_pgettext:1c,2", "--ignore-dirs", ".* __pycache__", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        catalog = read_po(fh)
    return {(m.context, m.id) for m in catalog if m.id}


def _translated(language: str) -> set:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    done = set()
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if all(strings):
            done.add((m.context, m.id))
    return done


@pytest.mark.parametrize("language", ["sq", "en", "sr_Latn"])
def test_catalogue_translates_every_message(extracted, language):
    missing = sorted(str(m) for m in extracted - _translated(language))
    assert len(extracted) > 100
    assert not missing, f"{len(missing)} messages untranslated in {language}: run `make messages`, " \
                        f"then translate: {missing[:20]}"


def test_albanian_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="sq">' in html
    assert "Hyr" in html  # "Log in"


def test_switch_is_remembered_in_a_cookie(client):
    response = post_form(client, "/language", {"language": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "lga_lang=en" in response.headers["Set-Cookie"]
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html
    post_form(client, "/language", {"language": "sr", "next": "/"})
    assert '<html lang="sr-Latn">' in client.get("/login").get_data(as_text=True)


def test_switch_is_remembered_on_the_account(app, client, factory, db):
    user = factory.user(locale="sq")
    login(client, user)
    post_form(client, "/language", {"language": "en", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "en"
    other = app.test_client()  # another device, no cookie
    login(other, user)
    assert '<html lang="en">' in other.get("/").get_data(as_text=True)


def test_unknown_language_and_foreign_next_are_ignored(client):
    response = post_form(client, "/language", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    assert "lga_lang" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("language, words", [("sq", "Faqja nuk u gjet"), ("en", "Page not found"),
                                             ("sr", "Stranica nije pronađena")])
def test_error_pages_in_the_users_language(client, language, words):
    client.set_cookie("lga_lang", language)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert words in response.get_data(as_text=True)
