"""Administration: finding people, their roles and status, reference data and the audit trail."""
from __future__ import annotations

import re
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lga.accounts import services as accounts
from lga.accounts.models import InstitutionType, Municipality, User
from lga.audit.models import AuditEntry
from tests.conftest import login, post_form
from tests.factories import PASSWORD

NON_ADMIN_ROLES = ("trainee", "trainer", "manager", "donor")


# --- Helpers -------------------------------------------------------------------------------

@pytest.fixture()
def admin(client, factory):
    """The test client is logged in as this administrator (reading English)."""
    user = factory.user(roles=("admin",), locale="en", given_name="Ada", family_name="Admin",
                        email="ada@example.org")
    login(client, user)
    return user


def listed_ids(html: str) -> list[int]:
    """The people listed on a page of /admin/people, in order."""
    return [int(i) for i in re.findall(r'<th scope="row"><a href="/admin/people/(\d+)">', html)]


def flashes(html: str) -> list[str]:
    return [" ".join(unescape(t).split()) for t in re.findall(r'<p class="flash[^"]*">(.*?)</p>', html, re.S)]


def field_errors(html: str) -> dict[str, str]:
    return {
        name: " ".join(unescape(text).split())
        for name, text in re.findall(r'<p class="error" id="([\w-]+)-error">(.*?)</p>', html, re.S)
    }


def is_logged_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def entries(db, action: str, entity=None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity_id == str(entity.id))
    return list(db.session.scalars(stmt))


def people(client, **args) -> tuple[int, str]:
    response = client.get("/admin/people", query_string=args)
    return response.status_code, response.get_data(as_text=True)


def save_person(client, user, roles, active: bool = True):
    """Post the admin form of ``user`` as a browser does (an unticked box is simply absent)."""
    data = {"roles": list(roles)}
    if active:
        data["active"] = "y"
    return post_form(client, f"/admin/people/{user.id}", data)


# --- Finding people ------------------------------------------------------------------------

@pytest.fixture()
def crowd(factory, db):
    gjilan = factory.municipality("gjilan")
    arta = factory.user(given_name="Arta", family_name="Krasniqi", email="arta.k@example.org")
    besnik = factory.user(roles=("trainer",), given_name="Besnik", family_name="Gashi",
                          email="b.gashi@komuna-gjilan.example", municipality_id=gjilan.id)
    dragana = factory.user(roles=("trainee", "manager"), given_name="Dragana", family_name="Petrović",
                           email="dragana@example.org")
    gone = factory.user(given_name="Genc", family_name="Krasniqi", email="genc@example.org")
    gone.active = False
    db.session.commit()
    return {"arta": arta, "besnik": besnik, "dragana": dragana, "gone": gone, "gjilan": gjilan}


def test_people_list_shows_everyone_with_their_data(client, admin, crowd):
    status, html = people(client)
    assert status == 200
    assert set(listed_ids(html)) == {admin.id} | {u.id for k, u in crowd.items() if k != "gjilan"}
    assert "5 people found" in html
    row = re.search(rf'<tr>\s*<th scope="row"><a href="/admin/people/{crowd["besnik"].id}">(.*?)</tr>', html, re.S)
    assert row, html
    assert "Besnik Gashi" in row.group(1) and "Gjilan" in row.group(1) and "Trainer" in row.group(1)
    gone_row = re.search(rf'/admin/people/{crowd["gone"].id}">(.*?)</tr>', html, re.S).group(1)
    assert "Deactivated" in gone_row


@pytest.mark.parametrize("args, expected", [
    ({"q": "krasn"}, {"arta", "gone"}),
    ({"q": "KRASNIQI"}, {"arta", "gone"}),
    ({"q": "arta k"}, {"arta"}),                       # given and family name together
    ({"q": "komuna-gjilan"}, {"besnik"}),              # a fragment of the email address
    ({"q": "B.Gashi@"}, {"besnik"}),
    ({"q": "nobody-like-this"}, set()),
    ({"role": "trainer"}, {"besnik"}),
    ({"role": "manager"}, {"dragana"}),
    ({"status": "inactive"}, {"gone"}),
    ({"status": "active", "q": "krasniqi"}, {"arta"}),
    ({"role": "trainee", "status": "inactive"}, {"gone"}),
])
def test_admin_finds_people(client, admin, crowd, args, expected):
    status, html = people(client, **args)
    assert status == 200
    assert set(listed_ids(html)) == {crowd[k].id for k in expected}


def test_admin_finds_people_by_municipality(client, admin, crowd):
    status, html = people(client, municipality=crowd["gjilan"].id)
    assert status == 200
    assert listed_ids(html) == [crowd["besnik"].id]


def test_filters_as_sent_by_the_search_form(client, admin, crowd):
    """The browser sends every field of the form, empty ones included."""
    status, html = people(client, q="krasniqi", role="", municipality="", status="")
    assert set(listed_ids(html)) == {crowd["arta"].id, crowd["gone"].id}
    assert 'value="krasniqi"' in html, "the search box keeps what was searched"


def test_people_list_is_paginated(client, admin, factory):
    made = {factory.user(password=None, given_name=f"Name{n:02d}", family_name="Morina").id for n in range(30)}
    status, first = people(client, q="morina")
    assert status == 200
    assert "30 people found" in first
    first_ids = listed_ids(first)
    assert len(first_ids) == 25
    assert "Page 1 of 2" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert next_link, "a link to the next page"
    next_url = unescape(next_link.group(1))
    assert "q=morina" in next_url and "page=2" in next_url, "the filter is kept on the next page"

    second = client.get(next_url).get_data(as_text=True)
    second_ids = listed_ids(second)
    assert len(second_ids) == 5
    assert set(first_ids) | set(second_ids) == made
    assert not set(first_ids) & set(second_ids)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/admin/people", query_string={"q": "morina", "page": 3}).status_code == 404


def test_people_list_runs_the_same_number_of_queries_for_5_or_40_people(client, admin, factory, count_queries):
    municipalities = ["prizren", "gjilan", "peje", "ferizaj"]
    role_sets = [("trainee",), ("trainer",), ("trainee", "manager"), ("donor",)]

    def add(n: int):
        for i in range(n):
            factory.user(password=None, roles=role_sets[i % 4],
                         municipality_id=factory.municipality(municipalities[i % 4]).id)

    add(4)  # with the admin: 5 people
    with count_queries() as few:
        status, html = people(client)
    assert status == 200 and len(listed_ids(html)) == 5
    add(35)  # 40 people: a full first page of 25
    with count_queries() as many:
        status, html = people(client)
    assert status == 200 and len(listed_ids(html)) == 25
    assert many.count == few.count, "\n".join(many.statements)
    assert few.count <= 8, "\n".join(few.statements)


# --- Roles and deactivation ----------------------------------------------------------------

def test_person_page_shows_roles_and_history(client, admin, factory):
    person = factory.user(roles=("trainee", "trainer"), given_name="Arta", family_name="Krasniqi")
    html = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "Arta Krasniqi" in html and person.email in html
    checked = set(re.findall(r'<input checked id="[^"]+" name="roles" type="checkbox" value="(\w+)">', html))
    assert checked == {"trainee", "trainer"}
    assert "user.created" in html, "the history lists what happened to the account"


def test_admin_changes_roles_with_an_audit_entry(client, db, admin, factory):
    person = factory.user(roles=("trainee",))
    response = save_person(client, person, ["trainee", "trainer"])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/people/{person.id}")
    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "Saved." in flashes(page)
    db.session.refresh(person)
    assert person.role_names == {"trainee", "trainer"}
    [entry] = entries(db, "user.roles_changed", person)
    assert entry.actor_id == admin.id
    assert entry.changes == {"roles": {"old": ["trainee"], "new": ["trainee", "trainer"]}}
    assert "user.roles_changed" in page

    # The new role takes effect on the person's next request.
    assert save_person(client, person, ["admin"]).status_code == 302
    db.session.refresh(person)
    assert person.role_names == {"admin"}
    assert entries(db, "user.roles_changed", person)[-1].changes == {
        "roles": {"old": ["trainee", "trainer"], "new": ["admin"]}}


def test_saving_without_changes_writes_nothing(client, db, admin, factory):
    person = factory.user(roles=("trainee",))
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    save_person(client, person, ["trainee"])
    assert "Nothing changed." in flashes(client.get(f"/admin/people/{person.id}").get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_unknown_role_is_refused(client, db, admin, factory):
    person = factory.user(roles=("trainee",))
    response = save_person(client, person, ["trainee", "overlord"])
    assert response.status_code == 400
    db.session.refresh(person)
    assert person.role_names == {"trainee"}


def test_deactivation_ends_the_persons_session(app, client, db, admin, factory):
    person = factory.user(roles=("trainee",))
    their_device = app.test_client()
    login(their_device, person)
    assert is_logged_in(their_device)

    response = save_person(client, person, ["trainee"], active=False)
    assert response.status_code == 302
    db.session.refresh(person)
    assert not person.active
    [entry] = entries(db, "user.deactivated", person)
    assert entry.actor_id == admin.id and entry.changes == {"active": {"old": True, "new": False}}
    assert not is_logged_in(their_device), "the open session ends at once"
    response = post_form(their_device, "/login", {"email": person.email, "password": PASSWORD})
    assert response.status_code == 400

    status, html = people(client, status="inactive")
    assert listed_ids(html) == [person.id]

    # Reactivated, the person can log in again.
    save_person(client, person, ["trainee"], active=True)
    db.session.refresh(person)
    assert person.active
    assert [e.changes for e in entries(db, "user.activated", person)] == [{"active": {"old": False, "new": True}}]
    assert post_form(their_device, "/login", {"email": person.email, "password": PASSWORD}).status_code == 302


def test_admin_cannot_remove_their_own_admin_role(client, db, admin):
    response = save_person(client, admin, ["trainee"])
    assert response.status_code == 302
    page = client.get(f"/admin/people/{admin.id}").get_data(as_text=True)
    assert "You cannot remove your own administrator role." in flashes(page)
    db.session.refresh(admin)
    assert admin.role_names == {"admin"}
    assert entries(db, "user.roles_changed", admin) == []


def test_admin_cannot_deactivate_themselves(client, db, admin):
    response = save_person(client, admin, ["admin", "trainer"], active=False)
    assert response.status_code == 302
    page = client.get(f"/admin/people/{admin.id}")
    assert page.status_code == 200, "still logged in"
    assert "You cannot deactivate your own account." in flashes(page.get_data(as_text=True))
    db.session.refresh(admin)
    assert admin.active
    assert admin.role_names == {"admin"}, "one save is one transaction: the role change is undone too"
    assert entries(db, "user.roles_changed", admin) == [] and entries(db, "user.deactivated", admin) == []


def test_an_admin_can_demote_another_admin(client, db, admin, factory):
    other = factory.user(roles=("admin",))
    save_person(client, other, ["trainer"])
    db.session.refresh(other)
    assert other.role_names == {"trainer"}


def test_a_deactivated_admin_can_be_demoted_while_one_admin_is_active(client, db, admin, factory):
    """Demoting an account that is already deactivated leaves as many active admins as before."""
    former = factory.user(roles=("admin",))
    save_person(client, former, ["admin"], active=False)
    db.session.refresh(former)
    assert not former.active
    response = save_person(client, former, ["trainee"], active=False)
    assert response.status_code == 302
    page = client.get(f"/admin/people/{former.id}").get_data(as_text=True)
    assert "Saved." in flashes(page), flashes(page)
    db.session.refresh(former)
    assert former.role_names == {"trainee"}


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(db, factory):
    """Through the pages the acting admin is always a second active admin, so the rule is
    reached by the services (the CLI and scripts use them too)."""
    only = factory.user(roles=("admin",))
    inactive_admin = factory.user(roles=("admin",))
    inactive_admin.active = False
    db.session.commit()
    with force_locale("en"), pytest.raises(accounts.AccountError, match="at least one active administrator"):
        accounts.set_roles(only, ["trainee"], actor=None)
    db.session.rollback()
    with force_locale("sq"), pytest.raises(accounts.AccountError, match="të paktën një administrator aktiv"):
        accounts.set_active(only, False, actor=None)
    db.session.rollback()
    db.session.refresh(only)
    assert only.active and only.role_names == {"admin"}

    second = factory.user(roles=("admin",))
    assert accounts.set_roles(only, ["trainer"], actor=second)
    db.session.commit()
    assert accounts.count_active_admins() == 1


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_non_admins_are_refused(client, db, factory, role):
    person = factory.user(roles=("trainee",))
    login(client, factory.user(roles=(role,)))
    municipality = factory.municipality("peje")
    for url in ("/admin/", "/admin/people", f"/admin/people/{person.id}", "/admin/audit",
                "/admin/reference/municipalities", f"/admin/reference/municipalities/{municipality.id}",
                "/admin/reference/institution-types/new"):
        assert client.get(url).status_code == 403, url
    assert save_person(client, person, ["admin"]).status_code == 403
    assert post_form(client, f"/admin/reference/municipalities/{municipality.id}", {
        "code": "peje", "name_sq": "Pejë", "name_sr": "Hacked", "is_active": "y"}).status_code == 403
    db.session.refresh(person)
    db.session.refresh(municipality)
    assert person.role_names == {"trainee"} and municipality.name_sr == "Peć"


# --- Reference data ------------------------------------------------------------------------

def municipality_form(m: Municipality, **changes) -> dict:
    data = {"code": m.code, "name_sq": m.name_sq, "name_sr": m.name_sr, "is_active": "y" if m.is_active else None}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_renames_a_municipality_in_serbian(client, db, admin, factory):
    ferizaj = factory.municipality("ferizaj")
    form = client.get(f"/admin/reference/municipalities/{ferizaj.id}").get_data(as_text=True)
    assert 'value="Uroševac"' in form
    response = post_form(client, f"/admin/reference/municipalities/{ferizaj.id}",
                         municipality_form(ferizaj, name_sr="Uroševac (Ferizaj)"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/reference/municipalities")
    listing = client.get("/admin/reference/municipalities").get_data(as_text=True)
    assert "Saved." in flashes(listing) and "Uroševac (Ferizaj)" in listing
    db.session.refresh(ferizaj)
    assert (ferizaj.code, ferizaj.name_sq, ferizaj.name_sr) == ("ferizaj", "Ferizaj", "Uroševac (Ferizaj)")
    [entry] = entries(db, "municipality.updated", ferizaj)
    assert entry.actor_id == admin.id
    assert entry.changes == {"name_sr": {"old": "Uroševac", "new": "Uroševac (Ferizaj)"}}


def test_serbian_readers_see_the_new_name(app, client, db, admin, factory):
    ferizaj = factory.municipality("ferizaj")
    post_form(client, f"/admin/reference/municipalities/{ferizaj.id}",
              municipality_form(ferizaj, name_sr="Uroševac (Ferizaj)"))
    reader = app.test_client()
    reader.set_cookie("lga_lang", "sr")
    assert "Uroševac (Ferizaj)" in reader.get("/register").get_data(as_text=True)


def test_admin_adds_an_institution_type(app, client, db, admin):
    response = post_form(client, "/admin/reference/institution-types/new", {
        "code": "youth-centre", "name_sq": "Qendra rinore", "name_en": "Youth centre",
        "name_sr": "Omladinski centar", "position": "20", "is_active": "y"})
    assert response.status_code == 302
    created = db.session.scalar(select(InstitutionType).where(InstitutionType.code == "youth-centre"))
    assert created is not None
    assert created.name == {"sq": "Qendra rinore", "en": "Youth centre", "sr": "Omladinski centar"}
    assert created.position == 20 and created.is_active
    [entry] = entries(db, "institution_type.created", created)
    assert entry.actor_id == admin.id and entry.changes["code"] == {"old": None, "new": "youth-centre"}
    assert "Youth centre" in client.get("/admin/reference/institution-types").get_data(as_text=True)
    # People registering can choose it.
    visitor = app.test_client()
    visitor.set_cookie("lga_lang", "en")
    assert f'<option value="{created.id}">Youth centre</option>' in visitor.get("/register").get_data(as_text=True)


def test_institution_type_needs_its_albanian_and_english_names(client, db, admin):
    before = db.session.scalar(select(func.count()).select_from(InstitutionType))
    response = post_form(client, "/admin/reference/institution-types/new",
                         {"code": "youth-centre", "name_sq": "Qendra rinore", "is_active": "y"})
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True)) == {"name_en": "This field is required."}
    assert db.session.scalar(select(func.count()).select_from(InstitutionType)) == before


@pytest.mark.parametrize("code", ["qps", "bad code!"])
def test_new_reference_row_with_a_taken_or_bad_code_is_refused(client, db, admin, code):
    before = db.session.scalar(select(func.count()).select_from(InstitutionType))
    entries_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = post_form(client, "/admin/reference/institution-types/new", {
        "code": code, "name_sq": "Tjetër QPS", "name_en": "Another QPS", "is_active": "y"})
    assert response.status_code == 400
    expected = "This code is already in use." if code == "qps" else "Use letters, digits and hyphens only."
    assert field_errors(response.get_data(as_text=True)) == {"code": expected}
    assert db.session.scalar(select(func.count()).select_from(InstitutionType)) == before
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries_before
    qps = db.session.scalar(select(InstitutionType).where(InstitutionType.code == "qps"))
    assert qps.name["en"] == "Centre for Social Work (QPS)"


def test_code_of_an_existing_row_cannot_be_changed(client, db, admin, factory):
    ferizaj = factory.municipality("ferizaj")
    form = client.get(f"/admin/reference/municipalities/{ferizaj.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="code"[^>]*readonly', form), "the field says it cannot change"
    response = post_form(client, f"/admin/reference/municipalities/{ferizaj.id}",
                         municipality_form(ferizaj, code="urosevac", name_sr="Uroševac (Ferizaj)"))
    assert response.status_code == 302
    db.session.refresh(ferizaj)
    assert ferizaj.code == "ferizaj" and ferizaj.name_sr == "Uroševac (Ferizaj)"
    assert db.session.scalar(select(Municipality).where(Municipality.code == "urosevac")) is None
    [entry] = entries(db, "municipality.updated", ferizaj)
    assert "code" not in entry.changes
    # Posting the code of another row changes nothing either.
    response = post_form(client, f"/admin/reference/municipalities/{ferizaj.id}",
                         municipality_form(ferizaj, code="prizren"))
    assert response.status_code == 302
    db.session.refresh(ferizaj)
    assert ferizaj.code == "ferizaj"


def test_municipality_cannot_take_the_albanian_name_of_another(client, db, admin, factory):
    ferizaj = factory.municipality("ferizaj")
    response = post_form(client, f"/admin/reference/municipalities/{ferizaj.id}",
                         municipality_form(ferizaj, name_sq="Prizren"))
    assert response.status_code == 400, "a message, not a server error"
    assert field_errors(response.get_data(as_text=True)) == {"name_sq": "This name is already in use."}
    db.session.refresh(ferizaj)
    assert ferizaj.name_sq == "Ferizaj"
    assert entries(db, "municipality.updated") == []
    # Nor can a new one.
    before = db.session.scalar(select(func.count()).select_from(Municipality))
    response = post_form(client, "/admin/reference/municipalities/new",
                         {"code": "prizren-2", "name_sq": "Prizren", "name_sr": "Prizren 2", "is_active": "y"})
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True)) == {"name_sq": "This name is already in use."}
    assert db.session.scalar(select(func.count()).select_from(Municipality)) == before


def test_municipality_taken_out_of_use_is_no_longer_offered(app, client, db, admin, factory):
    peje = factory.municipality("peje")
    post_form(client, f"/admin/reference/municipalities/{peje.id}", municipality_form(peje, is_active=None))
    db.session.refresh(peje)
    assert not peje.is_active
    visitor = app.test_client()
    assert f'<option value="{peje.id}">' not in visitor.get("/register").get_data(as_text=True)
    gjilan = factory.municipality("gjilan")
    assert f'<option value="{gjilan.id}">' in visitor.get("/register").get_data(as_text=True)


def test_unknown_reference_kind_is_not_found(client, admin):
    assert client.get("/admin/reference/planets").status_code == 404
    assert client.get("/admin/reference/municipalities/999999").status_code == 404


# --- Audit trail ---------------------------------------------------------------------------

def audit_rows(html: str) -> list[tuple[str, str]]:
    """(action, record) of each row of the audit table."""
    return [(action, " ".join(record.split()))
            for action, record in re.findall(r"<td><code>(.*?)</code></td>\s*<td>(.*?)</td>", html, re.S)]


def test_audit_trail_lists_entries_and_filters_by_kind(client, db, admin, factory):
    person = factory.user(roles=("trainee",))
    save_person(client, person, ["trainee", "trainer"])
    ferizaj = factory.municipality("ferizaj")
    post_form(client, f"/admin/reference/municipalities/{ferizaj.id}",
              municipality_form(ferizaj, name_sr="Uroševac (Ferizaj)"))

    html = client.get("/admin/audit").get_data(as_text=True)
    rows = audit_rows(html)
    assert rows[0] == ("municipality.updated", f"municipality {ferizaj.id}"), "newest first"
    assert ("user.roles_changed", f"user_account {person.id}") in rows
    assert ("user.created", f"user_account {person.id}") in rows
    assert "Ada Admin" in html, "who did it"
    assert "Uroševac → Uroševac (Ferizaj)" in unescape(html), "old and new values"
    assert '<option value="municipality"' in html and '<option value="user_account"' in html

    filtered = client.get("/admin/audit", query_string={"entity_type": "municipality"}).get_data(as_text=True)
    rows = audit_rows(filtered)
    assert rows == [("municipality.updated", f"municipality {ferizaj.id}")]
    assert '<option value="municipality" selected>' in filtered

    users_only = audit_rows(client.get("/admin/audit", query_string={"entity_type": "user_account"})
                            .get_data(as_text=True))
    assert users_only and all(record.startswith("user_account ") for _, record in users_only)
    assert ("user.roles_changed", f"user_account {person.id}") in users_only


def test_audit_trail_is_paginated(client, db, admin, factory):
    for _ in range(30):
        factory.user(password=None)
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    first = client.get("/admin/audit").get_data(as_text=True)
    second = client.get("/admin/audit", query_string={"page": 2}).get_data(as_text=True)
    assert len(audit_rows(first)) == 25
    assert len(audit_rows(first)) + len(audit_rows(second)) == total


def test_user_model_keeps_roles_in_order(db, factory):
    """Role lists in the audit trail are sorted, so old and new compare at a glance."""
    person = factory.user(roles=("trainer", "admin", "trainee"))
    assert [r.role for r in db.session.get(User, person.id).roles] == ["admin", "trainee", "trainer"]


def test_search_treats_wildcards_literally(client, factory):
    from tests.conftest import login

    login(client, factory.user(roles=("admin",)))
    factory.user(given_name="Ana", family_name="Percent")
    factory.user(given_name="Blerta", family_name="100%_sure")
    html = client.get("/admin/people?q=%25_").get_data(as_text=True)
    assert "100%_sure" in html and "Percent" not in html
