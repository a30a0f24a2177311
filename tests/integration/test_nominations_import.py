"""Importing nominations through the pages: upload, preview, confirm (docs/rules.md §8).

Every test uploads a real file it writes (CSV in UTF-8, UTF-8 with BOM and
Windows-1252 as Excel saves it; XLSX written by openpyxl) and checks what the
programme manager sees and what the database holds afterwards.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from cohort.extensions import db
from cohort.models import AuditEvent, CohortStatus, Enrolment, EnrolmentStatus, Role, User
from tests import factories
from tests.querycount import count_queries

HEADER = ["Email address", "Given name", "Surname", "Organisation", "Job title", "Grade"]
NEW_EMAIL = "sean.oconnor@justice.gov.uk"
KNOWN_EMAIL = "zoe.known@dvla.gov.uk"


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path) -> Path:
    folder = tmp_path / "imports"
    app.config["IMPORT_UPLOAD_FOLDER"] = str(folder)
    return folder


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.bin")) if folder.exists() else []


# Files, written the way departments' spreadsheet programs write them ----------------


def csv_bytes(rows, *, encoding: str = "utf-8", bom: bool = False, newline: str = "\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Nominations"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FORMATS = {
    "csv-utf8": (lambda rows: csv_bytes(rows), "nominations.csv"),
    "csv-utf8-bom": (lambda rows: csv_bytes(rows, bom=True, newline="\r\n"), "nominations.csv"),
    # What Excel writes for "CSV (Comma delimited)": Windows-1252, CRLF line ends.
    "csv-excel-windows-1252": (
        lambda rows: csv_bytes(rows, encoding="cp1252", newline="\r\n"),
        "nominations.csv",
    ),
    "xlsx": (xlsx_bytes, "nominations.xlsx"),
}


def upload(client, slug: str, data: bytes, filename: str = "nominations.csv", **extra):
    # The body is encoded here, in memory: the test client would spool a large one to a
    # temporary file that nothing closes.
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(data), filename=filename), **extra})
    )
    return client.post(
        f"/cohorts/{slug}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def totals() -> tuple[int, int, int]:
    """Users, enrolments, audit events: what an import may change."""
    return (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Enrolment.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


def confirm_values(page: str) -> dict:
    """The hidden fields of the preview's confirm form, as the browser would send them."""
    return {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)
        for name in ("upload", "expected")
    }


@pytest.fixture
def known(world) -> User:
    """A participant with an account, not in world.cohort."""
    person = factories.make_user(Role.PARTICIPANT, world.dvla, email=KNOWN_EMAIL, full_name="Zoë Known")
    db.session.commit()
    return person


def mixed_rows(world) -> list[list[str]]:
    """One row of each outcome for world.cohort (names within Windows-1252)."""
    return [
        HEADER,
        [NEW_EMAIL.upper(), "Seán", "O'Connor", "MoJ", "Data Scientist", "SEO"],  # new, by alias
        [KNOWN_EMAIL, "Zoë", "Known", "DVLA", "Analyst", "HEO"],  # known
        [world.participant.email, "Siân", "O'Neill", "Ministry of Justice", "", ""],  # already enrolled
        ["not-an-email", "Bad", "Row", "MOJ", "", ""],  # error
    ]


def good_rows(world) -> list[list[str]]:
    return [row for row in mixed_rows(world) if row[0] != "not-an-email"]


# The upload page --------------------------------------------------------------------


def test_upload_page_explains_the_columns_and_offers_the_sample(client, world, sign_in):
    sign_in(world.admin)
    page = client.get(f"/cohorts/{world.cohort.slug}/import")
    assert page.status_code == 200
    text = page.text
    assert "Import nominations" in text and world.cohort.name in text
    for heading in ("Email address", "Given name", "Surname", "Organisation", "Job title", "Grade"):
        assert heading in text
    assert 'type="file"' in text and 'accept=".csv,.xlsx"' in text
    assert 'enctype="multipart/form-data"' in text
    assert "Ministry of Justice" in text and "MoJ" in text  # the departments one may name

    sample = client.get("/cohorts/import/sample.csv")
    assert sample.status_code == 200
    assert sample.mimetype == "text/csv"
    assert "attachment" in sample.headers["Content-Disposition"]
    body = sample.data.decode("utf-8")
    assert body.splitlines()[0] == ",".join(HEADER)
    assert "MoJ" in body and "O'Neill" in body


def test_unknown_cohort_is_not_found(client, world, sign_in):
    sign_in(world.admin)
    assert client.get("/cohorts/no-such-cohort/import").status_code == 404
    assert upload(client, "no-such-cohort", csv_bytes(good_rows(world))).status_code == 404
    assert client.post("/cohorts/no-such-cohort/import/confirm").status_code == 404


@pytest.mark.parametrize("role", ["participant", "facilitator", "sponsor"])
def test_only_programme_managers_may_import(client, world, sign_in, role, upload_folder):
    sign_in(world.by_role(role))
    before = totals()
    assert upload(client, world.cohort.slug, csv_bytes(good_rows(world))).status_code == 403
    assert client.post(f"/cohorts/{world.cohort.slug}/import/confirm").status_code == 403
    assert totals() == before
    assert stored_files(upload_folder) == []


# Preview: every outcome, in every format ----------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_preview_shows_every_row_outcome_and_writes_nothing(client, world, sign_in, known, kind):
    make, filename = FORMATS[kind]
    sign_in(world.admin)
    before = totals()

    response = upload(client, world.cohort.slug, make(mixed_rows(world)), filename)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{world.cohort.slug}/import/preview")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.text

    assert re.search(r'id="count-new">1<', text)
    assert re.search(r'id="count-known">1<', text)
    assert re.search(r'id="count-already_enrolled">1<', text)
    assert re.search(r'id="count-error">1<', text)
    rows = {n: re.search(rf'id="row-{n}">(.*?)</tr>', text, re.S).group(1) for n in (2, 3, 4, 5)}
    assert "Seán O&#39;Connor" in rows[2] and NEW_EMAIL in rows[2] and "New person" in rows[2]
    assert "MOJ" in rows[2]  # "MoJ" matched as an alias
    assert "Zoë Known" in rows[3] and "Already known" in rows[3]
    assert "Already enrolled" in rows[4] and "(active)" in rows[4]
    assert "Error" in rows[5] and "not a valid email address" in rows[5]
    # Rows in error come first.
    assert text.index('id="row-5"') < text.index('id="row-2"')
    # One bad row: no way to import, and the way forward said plainly.
    assert "Fix the rows in error and upload the file again" in text
    assert "Confirm and enrol" not in text
    assert totals() == before


def test_sheet_and_encoding_are_named_on_the_preview(client, world, sign_in):
    sign_in(world.admin)
    make, filename = FORMATS["csv-excel-windows-1252"]
    upload(client, world.cohort.slug, make(good_rows(world)), filename)
    assert "CSV, Windows-1252 text" in client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    upload(client, world.cohort.slug, xlsx_bytes(good_rows(world)), "nominations.xlsx")
    assert (
        "Excel workbook, sheet “Nominations”"
        in client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    )


def test_names_are_shown_as_typed_and_escaped(client, world, sign_in):
    sign_in(world.admin)
    rows = [
        ["Email", "Full name", "Department"],
        ["script@justice.gov.uk", "<script>alert('x')</script>", "MOJ"],
        ["sian.two@gov.wales", "Siân O'Neill-Łukasiewicz", "MOJ"],
        ["zoe.two@justice.gov.uk", "Zoë Ng", "MOJ"],
    ]
    upload(client, world.cohort.slug, csv_bytes(rows))
    text = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text
    assert "Siân O&#39;Neill-Łukasiewicz" in text and "Zoë Ng" in text


def test_withdrawn_and_deactivated_people_are_explained(client, world, sign_in):
    withdrawn = factories.make_user(
        Role.PARTICIPANT, world.moj, email="gone@justice.gov.uk", full_name="Gwen Gone"
    )
    factories.enrol(world.cohort, withdrawn, EnrolmentStatus.WITHDRAWN)
    factories.make_user(
        Role.PARTICIPANT, world.moj, email="off@justice.gov.uk", full_name="Olly Off", active=False
    )
    db.session.commit()
    sign_in(world.admin)
    rows = [
        ["Email", "Full name", "Department"],
        ["gone@justice.gov.uk", "Gwen Gone", "MOJ"],
        ["off@justice.gov.uk", "Olly Off", "MOJ"],
    ]
    upload(client, world.cohort.slug, csv_bytes(rows))
    text = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    assert "Already in this cohort (withdrawn): left as it is" in text
    assert "which is deactivated: reactivate it from the Users page first" in text
    assert "Confirm and enrol" not in text


def test_staff_accounts_cannot_be_enrolled(client, world, sign_in):
    sign_in(world.admin)
    rows = [["Email", "Full name", "Department"], [world.facilitator.email, "Fran Facilitator", "MOJ"]]
    upload(client, world.cohort.slug, csv_bytes(rows))
    text = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    assert "belongs to a facilitator&#39;s account; only participants can be enrolled" in text


# Confirm -------------------------------------------------------------------------------


def test_confirm_enrols_the_new_and_known_rows_with_audit_events(
    client, world, sign_in, known, upload_folder
):
    sign_in(world.admin)
    users_before, enrolments_before, _ = totals()
    upload(client, world.cohort.slug, xlsx_bytes(good_rows(world)), "nominations.xlsx")
    preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    assert "Confirm and enrol 2 people" in preview
    assert "The 1 row already enrolled will be skipped" in preview
    assert len(stored_files(upload_folder)) == 1

    response = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=confirm_values(preview))
    assert response.status_code == 302
    # The result page offers the invitations (tests/integration/test_invitations.py sends them).
    assert response.headers["Location"].endswith(f"/cohorts/{world.cohort.slug}/invitations")
    page = client.get(response.headers["Location"]).text
    assert (
        f"2 people enrolled in {world.cohort.name}: 1 new account, 1 existing; 1 already enrolled, skipped."
        in page.replace("&#39;", "'")
    )
    assert "Send invitations to the 1 person who has not signed in yet" in page

    assert totals()[:2] == (users_before + 1, enrolments_before + 2)
    new = db.session.scalar(select(User).where(User.email == NEW_EMAIL))
    assert new.full_name == "Seán O'Connor"
    assert new.role == Role.PARTICIPANT and not new.has_password
    assert new.department_id == world.moj.id and new.job_title == "Data Scientist"
    enrolled = {
        e.user.email: e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == world.cohort.id))
    }
    assert enrolled[NEW_EMAIL].grade == "SEO"
    assert enrolled[NEW_EMAIL].status == EnrolmentStatus.ACTIVE
    assert enrolled[KNOWN_EMAIL].user_id == known.id and known.full_name == "Zoë Known"

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == world.admin.id)).all()
    created = {(e.entity_type, e.action) for e in events}
    assert ("User", "create") in created and ("Enrolment", "create") in created
    assert sum(1 for e in events if e.entity_type == "Enrolment") == 2
    # The kept file is gone, and the same confirm cannot import it twice.
    assert stored_files(upload_folder) == []
    again = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=confirm_values(preview))
    assert again.status_code == 400
    assert "There is no uploaded file waiting" in again.text
    assert totals()[:2] == (users_before + 1, enrolments_before + 2)


def crafted(data: bytes, expected: int) -> dict:
    """What a confirm form would send for this file, had the preview offered one."""
    return {"upload": hashlib.sha256(data).hexdigest(), "expected": str(expected)}


def test_a_crafted_confirm_of_a_file_with_a_bad_row_writes_nothing(client, world, sign_in, known):
    sign_in(world.admin)
    before = totals()
    data = csv_bytes(mixed_rows(world))
    upload(client, world.cohort.slug, data)
    preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    assert 'name="upload"' not in preview  # no confirm form at all
    response = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=crafted(data, 2))
    assert response.status_code == 400
    assert "Nothing was imported. 1 row has errors" in response.text
    assert totals() == before


def test_capacity_exceeded_is_explained_and_nothing_is_written(client, world, sign_in):
    small = factories.make_cohort("Small cohort", capacity=3)
    factories.enrol(small, world.participant)
    factories.enrol(small, world.other_participant)
    db.session.commit()
    sign_in(world.admin)
    before = totals()
    rows = [
        ["Email", "Full name", "Department"],
        ["a@justice.gov.uk", "Ann A", "MOJ"],
        ["b@dvla.gov.uk", "Ben B", "DVLA"],
    ]
    data = csv_bytes(rows)
    upload(client, small.slug, data)
    preview = client.get(f"/cohorts/{small.slug}/import/preview").text
    message = "Small cohort has 1 free place (2 of 3 taken) but the file would enrol 2 people"
    assert message in preview
    assert "Confirm and enrol" not in preview

    response = client.post(f"/cohorts/{small.slug}/import/confirm", data=crafted(data, 2))
    assert response.status_code == 400
    assert "Nothing was imported" in response.text and message in response.text
    assert totals() == before


def test_a_finished_cohort_takes_no_imports(client, world, sign_in):
    finished = factories.make_cohort("Finished cohort", status=CohortStatus.FINISHED)
    db.session.commit()
    sign_in(world.admin)
    upload(
        client,
        finished.slug,
        csv_bytes([["Email", "Full name", "Department"], ["a@justice.gov.uk", "Ann A", "MOJ"]]),
    )
    preview = client.get(f"/cohorts/{finished.slug}/import/preview").text
    assert "Finished cohort is finished: its enrolments can no longer change" in preview
    assert "Confirm and enrol" not in preview


def test_a_change_in_the_cohort_after_the_preview_is_caught(client, world, sign_in, known):
    sign_in(world.admin)
    upload(client, world.cohort.slug, csv_bytes(good_rows(world)))
    preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    # Meanwhile someone else enrols the known person through another page.
    factories.enrol(world.cohort, known)
    db.session.commit()
    before = totals()
    response = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=confirm_values(preview))
    assert response.status_code == 400
    assert (
        "enrolments changed after the preview was made: importing would now enrol 1 person, not 2"
        in response.text.replace("&#39;", "'")
    )
    assert re.search(r'id="count-already_enrolled">2<', response.text)  # the preview as things are now
    assert totals() == before


def test_a_refusal_while_enrolling_writes_nothing(client, world, sign_in, monkeypatch):
    from cohort.enrolments import service as enrolments
    from cohort.nominations import importer

    def refuse(*args, **kwargs):
        raise enrolments.EnrolmentError("Someone else changed this cohort's enrolments while the import ran")

    monkeypatch.setattr(importer, "enrol_many", refuse)
    sign_in(world.admin)
    before = totals()
    upload(
        client,
        world.cohort.slug,
        csv_bytes([["Email", "Full name", "Department"], ["a@justice.gov.uk", "Ann A", "MOJ"]]),
    )
    preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    response = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=confirm_values(preview))
    assert response.status_code == 400
    assert "Nothing was imported. Someone else changed this cohort" in response.text.replace("&#39;", "'")
    assert totals() == before


# Confirms that do not match an upload -------------------------------------------------------


def test_confirm_with_nothing_uploaded_says_so(client, world, sign_in):
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{world.cohort.slug}/import/confirm", data={"upload": "x", "expected": "1"}
    )
    assert response.status_code == 400
    assert "There is no uploaded file waiting to be imported into this cohort" in response.text
    assert 'href="#file"' in response.text  # the error summary leads to the upload field


def test_confirm_for_another_cohort_imports_nothing(client, world, sign_in):
    sign_in(world.admin)
    before = totals()
    upload(
        client,
        world.cohort.slug,
        csv_bytes([["Email", "Full name", "Department"], ["a@justice.gov.uk", "Ann A", "MOJ"]]),
    )
    preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    response = client.post(f"/cohorts/{world.other_cohort.slug}/import/confirm", data=confirm_values(preview))
    assert response.status_code == 400
    assert "There is no uploaded file waiting to be imported into this cohort" in response.text
    assert totals() == before
    # The upload for the first cohort is still there to confirm.
    assert client.get(f"/cohorts/{world.cohort.slug}/import/preview").status_code == 200


def test_confirm_of_an_older_preview_after_another_upload_imports_nothing(client, world, sign_in):
    sign_in(world.admin)
    before = totals()
    first = [["Email", "Full name", "Department"], ["a@justice.gov.uk", "Ann A", "MOJ"]]
    upload(client, world.cohort.slug, csv_bytes(first))
    old_preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    upload(client, world.cohort.slug, csv_bytes([*first, ["b@justice.gov.uk", "Ben B", "MOJ"]]), "second.csv")
    response = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=confirm_values(old_preview))
    assert response.status_code == 400
    assert (
        "You uploaded a different file after the preview you confirmed. Nothing was imported" in response.text
    )
    assert "second.csv" in response.text
    assert totals() == before


def test_confirm_of_a_stored_file_that_changed_imports_nothing(client, world, sign_in, upload_folder):
    sign_in(world.admin)
    before = totals()
    upload(
        client,
        world.cohort.slug,
        csv_bytes([["Email", "Full name", "Department"], ["a@justice.gov.uk", "Ann A", "MOJ"]]),
    )
    preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    [stored] = stored_files(upload_folder)
    stored.write_bytes(stored.read_bytes() + b"evil@example.com,Eve,MOJ\n")
    response = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=confirm_values(preview))
    assert response.status_code == 400
    assert "The file you uploaded is no longer available" in response.text
    assert totals() == before
    assert stored_files(upload_folder) == []


def test_preview_without_an_upload_sends_you_to_the_upload_page(client, world, sign_in):
    sign_in(world.admin)
    response = client.get(f"/cohorts/{world.cohort.slug}/import/preview")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "There is no uploaded file waiting" in page


def test_the_upload_page_offers_the_waiting_preview(client, world, sign_in):
    sign_in(world.admin)
    upload(client, world.cohort.slug, csv_bytes(good_rows(world)), "moj-nominations.csv")
    page = client.get(f"/cohorts/{world.cohort.slug}/import").text
    assert "You uploaded <strong>moj-nominations.csv</strong> earlier" in page
    assert f'href="/cohorts/{world.cohort.slug}/import/preview"' in page


# Files refused as a whole ------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _corrupt_xlsx() -> bytes:
    good = xlsx_bytes([["Email", "Full name", "Department"], ["a@justice.gov.uk", "Ann A", "MOJ"]])
    return good[: len(good) // 2]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (PNG, "nominations.csv", "is not a spreadsheet"),
        (b"", "nominations.csv", "The file &#39;nominations.csv&#39; is empty"),
        (_corrupt_xlsx(), "nominations.xlsx", "is damaged or incomplete"),
        (b"Name,Phone\nAnn,0123\n", "nominations.csv", "The header row has no column for an email address"),
        (b"Email,Full name,Department\n", "nominations.csv", "has a header row but no nominations under it"),
    ],
    ids=["png-named-csv", "empty", "corrupt-xlsx", "no-recognisable-header", "header-only"],
)
def test_files_that_cannot_be_read_get_a_clear_message(
    client, world, sign_in, upload_folder, data, filename, message
):
    sign_in(world.admin)
    before = totals()
    response = upload(client, world.cohort.slug, data, filename)
    assert response.status_code == 400
    assert message in response.text
    assert "govuk-error-summary" in response.text and 'href="#file"' in response.text
    assert "govuk-file-upload--error" in response.text
    assert response.text.count(message) == 2  # in the summary and on the field
    assert stored_files(upload_folder) == [] and totals() == before


def test_no_file_chosen(client, world, sign_in):
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{world.cohort.slug}/import", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Select the nominations file" in response.text
    assert response.text.count("<title>Error: ") == 1


def test_a_file_over_5_mb_gets_the_readers_message(client, world, sign_in):
    sign_in(world.admin)
    data = b"Email,Full name,Department\n" + b"a@justice.gov.uk,Ann A,MOJ\n" * 210_000  # 5.5 MB
    response = upload(client, world.cohort.slug, data)
    assert response.status_code == 400
    assert "The file is larger than 5 MB (it is 5.5 MB)" in response.text


def test_a_request_over_6_mb_gets_the_too_large_page(client, world, sign_in):
    sign_in(world.admin)
    response = upload(client, world.cohort.slug, b"x" * (6 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert "The file or form is too large" in response.text


# CSRF ------------------------------------------------------------------------------------------


def test_upload_and_confirm_need_the_csrf_token(app, client, world, sign_in, upload_folder):
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(world.admin)
    before = totals()
    rows = [["Email", "Full name", "Department"], ["a@justice.gov.uk", "Ann A", "MOJ"]]

    refused = upload(client, world.cohort.slug, csv_bytes(rows))
    assert refused.status_code == 400
    assert "Your form could not be sent" in refused.text
    assert stored_files(upload_folder) == []

    page = client.get(f"/cohorts/{world.cohort.slug}/import").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert upload(client, world.cohort.slug, csv_bytes(rows), csrf_token=token).status_code == 302
    preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text

    forged = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=confirm_values(preview))
    assert forged.status_code == 400
    assert "Your form could not be sent" in forged.text
    assert totals() == before

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview).group(1)
    done = client.post(
        f"/cohorts/{world.cohort.slug}/import/confirm", data={**confirm_values(preview), "csrf_token": token}
    )
    assert done.status_code == 302
    assert totals()[1] == before[1] + 1


# Big files ---------------------------------------------------------------------------------------


def _many_rows(n: int, bad_every: int = 0) -> list[list[str]]:
    rows = [["Email", "First name", "Last name", "Department"]]
    for i in range(1, n + 1):
        email = f"person{i:05d}@justice.gov.uk" if not (bad_every and i % bad_every == 0) else f"broken{i}"
        rows.append([email, "Person", f"Number {i}", "MOJ"])
    return rows


def test_a_long_preview_is_paged_with_errors_first(client, world, sign_in):
    sign_in(world.admin)
    upload(client, world.cohort.slug, csv_bytes(_many_rows(250, bad_every=50)))
    first = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    assert "Rows 1 to 100 of 250, errors first" in first
    assert re.search(r'id="count-error">5<', first) and re.search(r'id="count-new">245<', first)
    assert first.count('class="govuk-table__row" id="row-') == 100
    assert first.index('id="row-51"') < first.index('id="row-2"')  # row 51 holds broken50
    assert "govuk-pagination" in first

    last = client.get(f"/cohorts/{world.cohort.slug}/import/preview?page=3").text
    assert "Rows 201 to 250 of 250" in last
    assert 'id="row-250"' in last  # the last new row (row 251 is an error, on page 1)

    errors = client.get(f"/cohorts/{world.cohort.slug}/import/preview?status=error").text
    assert "5 rows (errors), errors first" in errors
    assert errors.count('class="govuk-table__row" id="row-') == 5
    # Nonsense in the address is ignored rather than failing.
    odd = client.get(f"/cohorts/{world.cohort.slug}/import/preview?status=nonsense&page=-4")
    assert odd.status_code == 200 and "Rows 1 to 100 of 250" in odd.text


def test_the_preview_makes_the_same_queries_for_10_rows_as_for_500(app, client, world, sign_in):
    sign_in(world.admin)
    counts = []
    for n in (10, 500):
        upload(client, world.cohort.slug, csv_bytes(_many_rows(n)))
        with count_queries(db.engine) as queries:
            assert client.get(f"/cohorts/{world.cohort.slug}/import/preview").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_uploads_older_than_a_day_are_deleted(client, world, sign_in, upload_folder):
    upload_folder.mkdir(parents=True)
    stale = upload_folder / ("s" * 43 + ".bin")
    stale.write_bytes(b"old")
    old = time.time() - 25 * 3600
    os.utime(stale, (old, old))
    recent = upload_folder / ("r" * 43 + ".bin")
    recent.write_bytes(b"recent")
    sign_in(world.admin)
    upload(client, world.cohort.slug, csv_bytes(good_rows(world)))
    files = stored_files(upload_folder)
    assert stale not in files and recent in files and len(files) == 2
