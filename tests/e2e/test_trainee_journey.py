"""A municipal staff member registers, logs in, switches language and opens a module."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lga.accounts.models import User

MODULES = Path(__file__).resolve().parents[2] / "modules"


@pytest.fixture()
def modules_loaded(db):
    from lga.catalogue.loader import load_modules

    load_modules(MODULES)
    db.session.commit()


def test_register_login_switch_language_open_module(page, shot, db, modules_loaded):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "sq"
    shot(page, "01-home-sq")

    page.get_by_role("link", name="Regjistrohu").click()
    page.get_by_label("Emri", exact=True).fill("Vjosa")
    page.get_by_label("Mbiemri").fill("Morina")
    page.get_by_label("Email").fill("vjosa.morina@example.org")
    page.get_by_label("Femër").check()
    page.get_by_label("Komuna").select_option(label="Prizren")
    page.get_by_label("Institucioni", exact=True).select_option(label="Qendra për Punë Sociale (QPS)")
    page.get_by_label("Pozita").fill("Punëtore sociale")
    page.get_by_label("Fjalëkalimi", exact=True).fill("lumi i bardhë në Prizren")
    page.get_by_label("Përsëritni fjalëkalimin").fill("lumi i bardhë në Prizren")
    shot(page, "02-register-filled")
    page.get_by_role("button", name="Krijo llogarinë time").click()
    page.wait_for_url("**/")
    assert page.get_by_text("Llogaria juaj është gati").is_visible()
    shot(page, "03-registered")

    user = db.session.scalar(select(User).where(User.email == "vjosa.morina@example.org"))
    assert user is not None and user.municipality.code == "prizren" and user.role_names == {"trainee"}

    page.get_by_role("button", name="Dil").click()
    page.get_by_role("link", name="Hyr").first.click()
    page.get_by_label("Email").fill("vjosa.morina@example.org")
    page.get_by_label("Fjalëkalimi").fill("lumi i bardhë në Prizren")
    page.get_by_role("button", name="Hyr").click()
    page.wait_for_url("**/")
    assert page.get_by_role("link", name="Vjosa").is_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "04-home-en")

    page.get_by_role("link", name="Modules").first.click()
    page.get_by_role("link", name="Social Welfare and Social Services").click()
    assert page.get_by_role("heading", name="Social Welfare and Social Services", level=1).is_visible()
    assert page.get_by_role("heading", name="Session plan").is_visible()
    shot(page, "05-module-en")

    # The choice is remembered across pages and on the account.
    page.goto("/programmes")
    assert page.locator("html").get_attribute("lang") == "en"
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_registration_errors_shown_next_to_fields(page, shot, db):
    page.goto("/register")
    page.get_by_role("button", name="Krijo llogarinë time").click()
    errors = page.locator(".field .error")
    assert errors.count() >= 5
    assert page.locator("[aria-invalid=true]").count() >= 4
    shot(page, "06-register-errors")


def test_phone_layout_keyboard_and_module(phone, shot, db, modules_loaded):
    phone.goto("/modules/financing-social-services")
    assert phone.locator("h1").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px phone"
    shot(phone, "07-module-phone")
    # Keyboard: the first Tab reaches the skip link, which leads to the main content.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"
