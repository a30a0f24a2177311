"""NUL characters in what people send (PostgreSQL cannot store them in text: it used to be a 500).

Every POST route, as the programme manager and as someone not signed in, gets a NUL character
in every field any of the service's forms has: never a 500. A form that checks its fields says
which one is wrong; anything a form lets through is refused just before it would reach the
database, with a 400 page saying what is wrong and how to fix it. A JSON body gets
application/problem+json; a file name with a NUL is refused like a field; a file's content is
the importer's to report. Run on PostgreSQL with TEST_DATABASE_URL set.
"""

from __future__ import annotations

import io

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart
from wtforms.fields.core import UnboundField

from cohort import create_app
from cohort.extensions import db
from cohort.models import SignInAttempt
from tests.integration.test_route_access import _url_values

MESSAGE = "The form contained a character that cannot be saved (a NUL character). Remove it and try again."
SERVER_ERROR = "Sorry, there is a problem with the service"

HEADER = b"Email address,Given name,Surname,Organisation,Job title,Grade\n"
GOOD_ROW = b"sean.oconnor@justice.gov.uk,Sean,OConnor,MOJ,,\n"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _post_routes_and_field_names() -> tuple[list[str], list[str]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})  # imports every form
    routes = sorted({rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())})
    names = {
        name
        for form in _subclasses(FlaskForm)
        for klass in form.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, UnboundField)
    }
    return routes, sorted(names)


POST_ROUTES, FIELD_NAMES = _post_routes_and_field_names()


def _nul_form(values: dict) -> dict:
    """A NUL in every field of every form (register marks included), and in a field's name."""
    form = {name: "a\x00b" for name in FIELD_NAMES}
    form["email"] = "a\x00b@x.gov.uk"
    form[f"mark-{values['user_id']}"] = "present\x00"
    form["field\x00name"] = "x"
    return form


def _upload(client, url: str, filename: str, content: bytes):
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(content), filename=filename)})
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_every_post_route_and_form_field_is_in_this_test():
    assert len(POST_ROUTES) > 40  # sign-in, the admin pages, registers, assessments, hackathons …
    assert {"auth.sign_in", "auth.set_password", "nominations.upload", "hackathons.score"} <= set(POST_ROUTES)
    assert {"email", "full_name", "reason", "title", "code", "problem_statement"} <= set(FIELD_NAMES)


@pytest.mark.parametrize("role", ["admin", "anonymous"])
def test_a_nul_character_in_any_form_is_never_a_500_on_any_post_route(app, client, world, sign_in, role):
    values = _url_values(world)
    sign_in(world.by_role(role))
    answered, api = {}, set()
    for endpoint in POST_ROUTES:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods)
        url = app.url_for(endpoint, **{name: values[name] for name in rule.arguments}, _external=False)
        response = client.post(url, data=_nul_form(values))
        answered[endpoint] = response.status_code
        if url.startswith("/api/v1/"):
            api.add(endpoint)
        assert response.status_code != 500, f"POST {url} as {role}"
        assert SERVER_ERROR not in response.text, f"POST {url} as {role}"
    if role == "anonymous":
        # Not signed in: sent to sign in, or refused by the forms that need no sign-in; the
        # JSON API (bearer tokens, no sign-in page) answers 401 and nothing else.
        pages = {endpoint: code for endpoint, code in answered.items() if endpoint not in api}
        assert set(pages.values()) <= {302, 400, 404}, pages
        assert {answered[endpoint] for endpoint in api} <= {401}, api
    else:
        assert 400 in answered.values()


def test_a_form_that_checks_its_fields_says_which_one_is_wrong(client, world, sign_in):
    sign_in(world.admin)
    response = client.post("/admin/users/invite", data={"full_name": "Noor\x00Haddad", "email": "n@x.gov.uk"})
    assert response.status_code == 400
    assert "Full name must not contain invisible or control characters" in response.text


@pytest.mark.parametrize(
    ("referrer", "back"),
    [
        ("http://localhost/sign-in?next=/dashboard", "/sign-in?next=/dashboard"),  # where the form was
        ("https://elsewhere.example/sign-in", "/sign-in"),  # not ours: the form's own page
    ],
)
def test_a_nul_a_form_lets_through_is_refused_before_it_reaches_the_database(client, world, referrer, back):
    # The reported case: a%00b@x.gov.uk as the email was a psycopg DataError (500) on PostgreSQL.
    # The sign-in form checks only that an email was given; the value goes as far as the
    # statement that would look it up, and no further.
    response = client.post(
        "/sign-in",
        data="email=a%00b%40x.gov.uk&password=anything",
        content_type="application/x-www-form-urlencoded",
        headers={"Referer": referrer},
    )
    assert response.status_code == 400
    assert "Your form could not be saved" in response.text
    assert MESSAGE in response.text
    assert f'href="{back}">Go back to the form</a>' in response.text
    assert "elsewhere.example" not in response.text
    assert "govuk-template" in response.text  # a GOV.UK page, not a bare error
    assert db.session.scalar(select(func.count(SignInAttempt.id))) == 0  # nothing recorded


@pytest.mark.parametrize(
    "body",
    ['{"email": "a\\u0000b@x.gov.uk", "password": "x"}', '{"notes": ["ok", {"deep": "\\ud800"}]}'],
    ids=["nul", "lone-surrogate"],
)
def test_a_json_body_with_an_unsavable_character_is_a_problem_json_400(client, body):
    response = client.post("/sign-in", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert (problem["status"], problem["title"], problem["detail"]) == (
        400,
        "A character that cannot be saved",
        MESSAGE,
    )
    assert problem["request_id"] == response.headers["X-Request-Id"]


def test_a_file_name_with_a_nul_is_refused_like_a_field(app, client, world, sign_in, tmp_path):
    app.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path)
    sign_in(world.admin)
    response = _upload(
        client, f"/cohorts/{world.cohort.slug}/import", "nominations\x00.csv", HEADER + GOOD_ROW
    )
    assert response.status_code == 400
    assert MESSAGE in response.text
    assert list(tmp_path.iterdir()) == []  # nothing kept


def _preview_after(client, response) -> str:
    assert response.status_code in {200, 302, 400}
    return client.get(response.headers["Location"]).text if response.status_code == 302 else response.text


def test_a_nul_inside_a_file_is_the_importers_to_report(app, client, world, sign_in, tmp_path):
    app.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path)
    sign_in(world.admin)
    data = HEADER + b"sean.oconnor@justice.gov.uk,Se\x00an,OConnor,MOJ,,\n"
    page = _preview_after(client, _upload(client, f"/cohorts/{world.cohort.slug}/import", "n.csv", data))
    assert MESSAGE not in page  # not refused as a form: the importer read the file
    assert "1 row has errors" in page


def test_a_nul_in_an_email_cell_is_refused_before_the_importer_looks_it_up(
    app, client, world, sign_in, tmp_path
):
    # The importer looks every email cell up before its row checks run (they would report the
    # row): the lookup is where the NUL stops, with the 400 page rather than a 500.
    app.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path)
    sign_in(world.admin)
    data = HEADER + b"sean\x00oconnor@justice.gov.uk,Sean,OConnor,MOJ,,\n"
    response = _upload(client, f"/cohorts/{world.cohort.slug}/import", "n.csv", data)
    assert response.status_code == 400
    assert MESSAGE in response.text
