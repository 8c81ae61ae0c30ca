"""The read-only JSON API: personal tokens, masking for donors, and every response checked
against the OpenAPI description the API publishes."""
from __future__ import annotations

import re

import pytest
import yaml
from jsonschema import Draft202012Validator
from sqlalchemy import select

from lga.accounts.models import ApiToken
from tests.conftest import login, post_form
from tests.integration.test_outreach import _generate

QUERY = "from=2026-03-01&to=2026-06-30"


@pytest.fixture()
def spec(client):
    response = client.get("/api/v1/openapi.yaml")  # public: anyone may read how to use it
    assert response.status_code == 200
    return yaml.safe_load(response.data)


def _validator(spec, name):
    return Draft202012Validator({**spec, "$ref": f"#/components/schemas/{name}"})


def _token(client, user) -> str:
    login(client, user)
    page = post_form(client, "/account/api-tokens", {"name": "Programme dashboard"}).get_data(as_text=True)
    token = re.search(r'<code class="token">([^<]+)</code>', page).group(1)
    assert token.startswith("lga_")
    post_form(client, "/logout")
    return token


def test_a_manager_reads_the_figures_with_a_token(app, client, factory, db, spec):
    _generate(factory, db)
    token = _token(client, factory.user(roles=("manager",)))
    assert db.session.scalar(select(ApiToken.digest)) != token  # only a digest is kept
    api = app.test_client()
    response = api.get(f"/api/v1/outreach?{QUERY}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    _validator(spec, "Outreach").validate(data)
    assert isinstance(data["participants"], int) and data["participants"] > 0
    assert len(data["by_municipality"]) >= 38
    # The token opens the API only, not the pages.
    page = api.get("/reports/outreach", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_donor_gets_small_counts_hidden(app, client, factory, db, spec):
    _generate(factory, db)
    token = _token(client, factory.user(roles=("donor",)))
    data = app.test_client().get(f"/api/v1/outreach?{QUERY}&sex=female&municipality=1",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    _validator(spec, "Outreach").validate(data)
    assert data["participants"] == "<5" and data["person_hours"] is None
    counts = [row["participants"] for row in data["by_municipality"]]
    assert "<5" in counts and not any(isinstance(c, int) and 0 < c < 5 for c in counts)


def test_refusals_are_json_and_described(app, client, factory, db, spec):
    api = app.test_client()
    error = _validator(spec, "Error")
    for headers in ({}, {"Authorization": "Bearer lga_not-a-token"}, {"Authorization": "Basic eDp5"}):
        response = api.get(f"/api/v1/outreach?{QUERY}", headers=headers)
        assert response.status_code == 401 and response.is_json
        error.validate(response.get_json())
    manager = factory.user(roles=("manager",))
    token = _token(client, manager)
    bad = api.get("/api/v1/outreach?from=2026-13-01&to=2026-06-30", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and "'from'" in bad.get_json()["message"]
    error.validate(bad.get_json())
    unknown = api.get(f"/api/v1/outreach?{QUERY}&programme=NOPE", headers={"Authorization": f"Bearer {token}"})
    assert unknown.status_code == 400
    # A revoked token opens nothing.
    login(client, manager)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == manager.id))
    post_form(client, f"/account/api-tokens/{row.id}/revoke")
    assert api.get(f"/api/v1/outreach?{QUERY}", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # A token of someone who may not read reports (made before their role changed): 403, as JSON.
    from lga.accounts import tokens

    trainee = factory.user(roles=("trainee",))
    _row, trainee_token = tokens.create(trainee, "old")
    db.session.commit()
    response = api.get(f"/api/v1/outreach?{QUERY}", headers={"Authorization": f"Bearer {trainee_token}"})
    assert response.status_code == 403 and response.is_json
    error.validate(response.get_json())


def test_every_path_of_the_description_exists(app, spec):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for path in spec["paths"]:
        assert path in rules, path
