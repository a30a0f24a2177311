"""Nomination rows → preview (docs/rules.md §8.2–§8.5): header variants, every row outcome and
every reason a row is refused, as a programme manager would read them. No app, no database."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import openpyxl
import pytest

from cohort.imports import (
    DepartmentRecord,
    Field,
    ImportRefused,
    KnownPerson,
    RowStatus,
    Table,
    TableRow,
    match_headers,
    preview_nominations,
    read_table,
    validate_nominations,
)

DEPARTMENTS = [
    DepartmentRecord(1, "MOJ", "Ministry of Justice", ("MoJ", "Min of Justice")),
    DepartmentRecord(2, "UKHSA", "UK Health Security Agency", ("UK HSA", "Health Security Agency")),
    DepartmentRecord(
        3, "DVLA", "Driver and Vehicle Licensing Agency", ("Driver & Vehicle Licensing Agency",)
    ),
    DepartmentRecord(4, "WG", "Welsh Government", ("Llywodraeth Cymru", "Welsh Gov")),
    DepartmentRecord(5, "SG", "Scottish Government", ("Scot Gov",)),
    DepartmentRecord(6, "CO", "Cabinet Office", ("Cabinet Office (CO)",)),
]

KNOWN = {
    "amara.okafor@justice.gov.uk": KnownPerson(11, "Amara Okafor", "participant"),
    "daniel.whitfield@justice.gov.uk": KnownPerson(12, "Daniel Whitfield", "participant"),
    "programme.manager@example.gov.uk": KnownPerson(1, "Priya Raman", "admin"),
    "facilitator.one@example.gov.uk": KnownPerson(2, "Tom Gallagher", "facilitator"),
    "sponsor.moj@justice.gov.uk": KnownPerson(3, "Helen Carter", "sponsor"),
}
ENROLLED = {"daniel.whitfield@justice.gov.uk"}

HEADER = ("Email", "First name", "Last name", "Department", "Job title", "Grade")


def table(*rows: tuple[str, ...], header: tuple[str, ...] = HEADER, start: int = 2) -> Table:
    return Table(
        header=header,
        header_row=1,
        rows=tuple(TableRow(number, tuple(cells)) for number, cells in enumerate(rows, start=start)),
        kind="csv",
    )


def validate(*rows: tuple[str, ...], header: tuple[str, ...] = HEADER, known=None, enrolled=None):
    return validate_nominations(
        table(*rows, header=header),
        DEPARTMENTS,
        KNOWN if known is None else known,
        ENROLLED if enrolled is None else enrolled,
    )


def one(*cells: str, header: tuple[str, ...] = HEADER):
    return validate(tuple(cells), header=header).rows[0]


def errors_of(*cells: str, header: tuple[str, ...] = HEADER) -> list[str]:
    row = one(*cells, header=header)
    assert row.status is RowStatus.ERROR
    return row.problem_lines()


# Headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Email", Field.EMAIL),
        ("Email address", Field.EMAIL),
        ("E-mail", Field.EMAIL),
        ("E-mail address", Field.EMAIL),
        ("Work email", Field.EMAIL),
        ("Work email address", Field.EMAIL),
        ("  WORK E-MAIL ADDRESS: ", Field.EMAIL),
        ("work_email", Field.EMAIL),
        ("First name", Field.FIRST_NAME),
        ("Given name", Field.FIRST_NAME),
        ("Forename", Field.FIRST_NAME),
        ("first-name", Field.FIRST_NAME),
        ("Forename(s)", Field.FIRST_NAME),
        ("Last name", Field.LAST_NAME),
        ("Surname", Field.LAST_NAME),
        ("Family name", Field.LAST_NAME),
        ("LastName", Field.LAST_NAME),
        ("Full name", Field.FULL_NAME),
        ("Name", Field.FULL_NAME),
        ("Department", Field.DEPARTMENT),
        ("Organisation", Field.DEPARTMENT),
        ("Organization", Field.DEPARTMENT),
        ("Dept", Field.DEPARTMENT),
        ("Dept.", Field.DEPARTMENT),
        ("Job title", Field.JOB_TITLE),
        ("Grade", Field.GRADE),
    ],
)
def test_header_variants_are_recognised(heading, field):
    others = {
        Field.EMAIL: "Email",
        Field.FULL_NAME: "Full name",
        Field.DEPARTMENT: "Department",
    }
    others.pop(field, None)
    if field in (Field.FIRST_NAME, Field.LAST_NAME):
        others.pop(Field.FULL_NAME)
        others[Field.LAST_NAME if field is Field.FIRST_NAME else Field.FIRST_NAME] = (
            "Surname" if field is Field.FIRST_NAME else "First name"
        )
    header = [heading, *others.values()]
    match = match_headers(header)
    assert match.ok, match.problems
    assert match.columns[field] == 0


def test_full_name_alone_is_enough():
    match = match_headers(["Name", "E-mail", "Organisation"])
    assert match.ok
    assert match.columns == {Field.FULL_NAME: 0, Field.EMAIL: 1, Field.DEPARTMENT: 2}


def test_unrelated_columns_are_ignored():
    match = match_headers(["Ref", "Email", "Notes", "Full name", "", "Dept", "Manager's email"])
    assert match.ok
    assert match.columns == {Field.EMAIL: 1, Field.FULL_NAME: 3, Field.DEPARTMENT: 5}


def test_missing_columns_are_listed_with_the_headings_found():
    match = match_headers(["Name", "Team", "Start date"])
    assert not match.ok
    assert match.problems == (
        "The header row has no column for an email address or a department. "
        "The headings found were: 'Name', 'Team', 'Start date'. "
        "Use headings such as Email, First name, Last name (or Full name), Department, "
        "and optionally Job title and Grade.",
    )


def test_a_header_row_with_no_recognisable_columns():
    match = match_headers(["Nominations from the Ministry of Justice", "", ""])
    assert match.problems[0].startswith(
        "The header row has no column for an email address, a name ('Full name', or 'First name' "
        "and 'Last name') or a department. The headings found were: 'Nominations from the Ministry of Justice'."
    )


def test_first_name_without_last_name_says_so():
    match = match_headers(["Email", "First name", "Department"])
    assert "no column for a last name (or one 'Full name' column)" in match.problems[0]


def test_two_columns_for_the_same_thing_are_refused():
    match = match_headers(["Email", "Full name", "Department", "Work email", "Organisation"])
    assert match.problems == (
        "There is more than one email address column: 'Email' (column A) and 'Work email' (column D). "
        "Keep one of them and delete or rename the others.",
        "There is more than one department column: 'Department' (column C) and 'Organisation' (column E). "
        "Keep one of them and delete or rename the others.",
    )


def test_header_problems_refuse_the_whole_file():
    with pytest.raises(ImportRefused) as caught:
        validate(("a@b.gov.uk", "Jo"), header=("Email", "Full name"))
    assert caught.value.problems[0].startswith("The header row has no column for a department.")


# Row outcomes ------------------------------------------------------------------------------------


def test_each_row_is_new_known_already_enrolled_or_error():
    preview = validate(
        ("zoe.ng@ukhsa.gov.uk", "Zoë", "Ng", "UKHSA", "Data scientist", "SEO"),
        ("Amara.Okafor@Justice.GOV.UK", "Amara", "Okafor", "MOJ", "", ""),
        ("daniel.whitfield@justice.gov.uk", "Daniel", "Whitfield", "moj", "", ""),
        ("jo@@justice", "Jo", "Smith", "MOJ", "", ""),
    )
    assert [(r.row_number, r.status) for r in preview.rows] == [
        (2, RowStatus.NEW),
        (3, RowStatus.KNOWN),
        (4, RowStatus.ALREADY_ENROLLED),
        (5, RowStatus.ERROR),
    ]
    assert preview.counts == {
        RowStatus.NEW: 1,
        RowStatus.KNOWN: 1,
        RowStatus.ALREADY_ENROLLED: 1,
        RowStatus.ERROR: 1,
    }
    assert not preview.ok
    assert preview.summary() == "4 rows: 1 new, 1 already known, 1 already enrolled, 1 with errors"
    assert [r.row_number for r in preview.rows_to_enrol] == [2, 3]
    assert [r.row_number for r in preview.error_rows] == [5]

    new, known, enrolled, _error = preview.rows
    assert (new.email, new.full_name, new.department_id, new.job_title, new.grade) == (
        "zoe.ng@ukhsa.gov.uk",
        "Zoë Ng",
        2,
        "Data scientist",
        "SEO",
    )
    assert new.user_id is None
    assert (known.email, known.user_id, known.account_name) == (
        "amara.okafor@justice.gov.uk",
        11,
        "Amara Okafor",
    )
    assert (enrolled.user_id, enrolled.department.code) == (12, "MOJ")


def test_a_file_with_no_errors_is_ok():
    preview = validate(
        ("a@justice.gov.uk", "Jo", "Smith", "MOJ", "", ""),
        ("b@justice.gov.uk", "Al", "Jones", "MOJ", "", ""),
    )
    assert preview.ok
    assert preview.problem_lines() == []
    assert preview.counts[RowStatus.NEW] == 2


def test_already_enrolled_matches_whatever_the_case_in_the_file():
    assert (
        one("DANIEL.WHITFIELD@JUSTICE.GOV.UK", "Daniel", "Whitfield", "MOJ").status
        is RowStatus.ALREADY_ENROLLED
    )


def test_email_is_normalised_and_lower_cased():
    row = one("  Jo.Smith@Justice.GOV.UK ", "Jo", "Smith", "MOJ")
    assert row.status is RowStatus.NEW
    assert row.email == "jo.smith@justice.gov.uk"


@pytest.mark.parametrize(
    "typed", ["jo@@justice", "jo.smith", "jo@justice", "jo smith@justice.gov.uk", "@justice.gov.uk"]
)
def test_invalid_email_names_the_row_and_value(typed):
    preview = validate(
        ("a@justice.gov.uk", "Jo", "Smith", "MOJ"),
        ("b@justice.gov.uk", "Jo", "Smith", "MOJ"),
        ("c@justice.gov.uk", "Jo", "Smith", "MOJ"),
        ("d@justice.gov.uk", "Jo", "Smith", "MOJ"),
        ("e@justice.gov.uk", "Jo", "Smith", "MOJ"),
        (typed, "Jo", "Smith", "MOJ"),
    )
    (line,) = preview.problem_lines()
    assert line.startswith(f"Row 7: '{typed}' is not a valid email address (")
    assert preview.rows[5].email == typed


def test_missing_email_name_and_department():
    assert errors_of("", "", "", "", "Data scientist", "") == [
        "Row 2: the email address is missing",
        "Row 2: the name is missing",
        "Row 2: the department is missing",
    ]


def test_a_row_shorter_than_the_header_is_missing_its_later_cells():
    assert errors_of("jo@justice.gov.uk", "Jo") == ["Row 2: the department is missing"]


def test_unknown_department_names_the_row():
    preview = validate(
        *[(f"p{i}@justice.gov.uk", "Jo", "Smith", "MOJ") for i in range(7)],
        ("q@x.gov.uk", "Jo", "Smith", "Ministry of Magic"),
    )
    assert preview.problem_lines() == [
        "Row 9: department 'Ministry of Magic' is not one we know — use a code such as MOJ, a name or an alias"
    ]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("MOJ", "MOJ"),
        ("moj", "MOJ"),
        ("  Moj  ", "MOJ"),
        ("ministry of justice", "MOJ"),
        ("Ministry  of   Justice", "MOJ"),
        ("MoJ", "MOJ"),
        ("min of justice", "MOJ"),
        ("UK HSA", "UKHSA"),
        ("driver & vehicle licensing agency", "DVLA"),
        ("Llywodraeth Cymru", "WG"),
        ("cabinet office (co)", "CO"),
    ],
)
def test_department_matches_code_name_or_alias_ignoring_case_and_spaces(typed, code):
    row = one("jo@justice.gov.uk", "Jo", "Smith", typed)
    assert row.status is RowStatus.NEW
    assert row.department.code == code


def test_a_code_wins_over_another_departments_alias():
    departments = [
        DepartmentRecord(1, "HO", "Home Office", ("CO",)),
        DepartmentRecord(2, "CO", "Cabinet Office"),
    ]
    preview = validate_nominations(table(("a@b.gov.uk", "Jo", "Smith", "co")), departments, {}, set())
    assert preview.rows[0].department.code == "CO"


def test_with_no_departments_set_up_the_message_says_to_add_one():
    preview = validate_nominations(table(("a@b.gov.uk", "Jo", "Smith", "MOJ")), [], {}, set())
    assert preview.problem_lines() == ["Row 2: department 'MOJ' is not one we know — add it first"]


def test_second_row_with_the_same_email_in_another_case_names_the_first():
    preview = validate(
        ("jo.smith@justice.gov.uk", "Jo", "Smith", "MOJ"),
        ("al@justice.gov.uk", "Al", "Jones", "MOJ"),
        ("JO.SMITH@justice.gov.uk", "Joanne", "Smith", "MOJ"),
        ("Jo.Smith@JUSTICE.gov.uk", "Jo", "Smith", "MOJ"),
    )
    assert [r.status for r in preview.rows] == [
        RowStatus.NEW,
        RowStatus.NEW,
        RowStatus.ERROR,
        RowStatus.ERROR,
    ]
    assert preview.problem_lines() == [
        "Row 4: the email address jo.smith@justice.gov.uk is also on row 2",
        "Row 5: the email address jo.smith@justice.gov.uk is also on row 2",
    ]


@pytest.mark.parametrize(
    ("email", "who"),
    [
        ("programme.manager@example.gov.uk", "a programme manager"),
        ("Facilitator.One@example.gov.uk", "a facilitator"),
        ("sponsor.moj@justice.gov.uk", "a department sponsor"),
    ],
)
def test_staff_accounts_cannot_be_nominated(email, who):
    assert errors_of(email, "Someone", "Else", "MOJ") == [
        f"Row 2: {email.lower()} belongs to {who}'s account; only participants can be enrolled"
    ]


def test_role_enum_values_work_as_roles():
    import enum

    class Role(enum.StrEnum):
        PARTICIPANT = "participant"
        ADMIN = "admin"

    known = {
        "a@b.gov.uk": KnownPerson(1, "A", Role.PARTICIPANT),
        "c@d.gov.uk": KnownPerson(2, "C", Role.ADMIN),
    }
    preview = validate(("a@b.gov.uk", "A", "B", "MOJ"), ("c@d.gov.uk", "C", "D", "MOJ"), known=known)
    assert [r.status for r in preview.rows] == [RowStatus.KNOWN, RowStatus.ERROR]


# Names and lengths ------------------------------------------------------------------------------


def test_full_name_from_first_and_last_or_the_full_name_column():
    header = ("Email", "Full name", "First name", "Last name", "Department")
    preview = validate(
        ("a@b.gov.uk", "Siân O'Neill", "", "", "WG"),
        ("c@d.gov.uk", "", "Zoë", "Ng", "UKHSA"),
        ("e@f.gov.uk", "", "Madonna", "", "MOJ"),
        ("g@h.gov.uk", "Dr Jo Smith", "Jo", "Smith", "MOJ"),
        header=header,
    )
    assert [r.full_name for r in preview.rows] == ["Siân O'Neill", "Zoë Ng", "Madonna", "Dr Jo Smith"]
    assert preview.ok


def test_names_keep_accents_and_apostrophes_exactly():
    for name in [
        "Siân O'Neill",
        "Zoë Ng",
        "Chloé Dubois",
        "Liam O’Brien",
        "Nguyễn Thị Minh Khai",
        "Ólafur Ragnar",
    ]:
        row = one("a@b.gov.uk", name, "MOJ", header=("Email", "Full name", "Department"))
        assert (row.status, row.full_name) == (RowStatus.NEW, name)


def test_decomposed_accents_are_stored_composed():
    row = one("a@b.gov.uk", "Zoe\u0308 Ng", "MOJ", header=("Email", "Full name", "Department"))
    assert row.full_name == "Zoë Ng"


@pytest.mark.parametrize("name", ["NA", "None", "null", "N/A", "nan", "TRUE", "0", "007"])
def test_names_that_look_like_missing_values_are_names(name):
    row = one("a@b.gov.uk", name, "MOJ", header=("Email", "Full name", "Department"))
    assert (row.status, row.full_name) == (RowStatus.NEW, name)


@pytest.mark.parametrize(
    "typed", ["=1+1", "+44 20", "-Jo", "@Jo", '=HYPERLINK("http://evil","Click")', "=cmd|' /C calc'!A0"]
)
def test_formula_looking_cells_are_kept_as_the_text_typed(typed):
    row = one(
        "a@b.gov.uk",
        typed,
        "MOJ",
        typed,
        "007",
        header=("Email", "Full name", "Department", "Job title", "Grade"),
    )
    assert row.status is RowStatus.NEW
    assert (row.full_name, row.job_title, row.grade) == (typed, typed, "007")


def test_name_of_120_characters_is_accepted_and_121_refused():
    header = ("Email", "Full name", "Department")
    assert one("a@b.gov.uk", "x" * 120, "MOJ", header=header).status is RowStatus.NEW
    assert errors_of("a@b.gov.uk", "x" * 121, "MOJ", header=header) == [
        "Row 2: the name is 121 characters long; the most allowed is 120"
    ]


def test_first_and_last_name_together_are_limited_to_120():
    assert errors_of("a@b.gov.uk", "x" * 60, "y" * 60, "MOJ") == [
        "Row 2: the name is 121 characters long; the most allowed is 120"
    ]


def test_job_title_and_grade_lengths():
    assert one("a@b.gov.uk", "Jo", "Smith", "MOJ", "t" * 120, "g" * 40).status is RowStatus.NEW
    assert errors_of("a@b.gov.uk", "Jo", "Smith", "MOJ", "t" * 121, "g" * 41) == [
        "Row 2: the job title is 121 characters long; the most allowed is 120",
        "Row 2: the grade is 41 characters long; the most allowed is 40",
    ]


def test_optional_columns_may_be_absent_or_empty():
    row = one("a@b.gov.uk", "Jo Smith", "MOJ", header=("Email", "Name", "Dept"))
    assert (row.status, row.job_title, row.grade) == (RowStatus.NEW, None, None)
    row = one("a@b.gov.uk", "Jo", "Smith", "MOJ", "  ", "")
    assert (row.job_title, row.grade) == (None, None)


def test_surrounding_spaces_are_trimmed():
    row = one("  a@b.gov.uk ", "  Jo ", " Smith  ", " MOJ ", " Data scientist ", " SEO ")
    assert (row.full_name, row.job_title, row.grade) == ("Jo Smith", "Data scientist", "SEO")


# Hidden and control characters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("character", "described"),
    [
        ("\x00", "U+0000, null character"),
        ("\u202e", "U+202E, right-to-left override"),
        ("\u200b", "U+200B, zero width space"),
        ("\ufeff", "U+FEFF, zero width no-break space"),
        ("\x1b", "U+001B, control character"),
        ("\x7f", "U+007F, delete character"),
        ("\u2066", "U+2066, left-to-right isolate"),
    ],
)
def test_hidden_characters_are_refused_with_row_and_column(character, described):
    lines = errors_of("a@b.gov.uk", f"Jo{character}hn", "Smith", "MOJ")
    assert lines == [
        f"Row 2: First name contains a hidden or control character ({described}); retype the value without it"
    ]
    assert character not in lines[0]


def test_right_to_left_override_in_a_name_is_refused():
    preview = validate(
        ("a@b.gov.uk", "Jo", "Smith", "MOJ"),
        ("b@b.gov.uk", "Jo", "\u202ehtimS", "MOJ"),
    )
    assert preview.problem_lines() == [
        "Row 3: Last name contains a hidden or control character (U+202E, right-to-left override); "
        "retype the value without it"
    ]
    assert preview.rows[1].full_name == "Jo"


def test_hidden_characters_in_each_imported_column_name_that_column():
    header = ("Work email", "Surname", "Given name", "Organisation", "Job title", "Grade")
    lines = errors_of(
        "a@b.gov.uk\u200b", "Sm\x00ith", "Jo", "MO\u200dJ", "Lead\u202e", "\ufeff7", header=header
    )
    assert [line.split(" contains ")[0] for line in lines] == [
        "Row 2: Work email",
        "Row 2: Surname",
        "Row 2: Organisation",
        "Row 2: Job title",
        "Row 2: Grade",
    ]


def test_hidden_characters_in_columns_that_are_not_imported_do_not_matter():
    row = one("a@b.gov.uk", "Jo Smith", "MOJ", "👩\u200d💻 notes", header=("Email", "Name", "Dept", "Notes"))
    assert row.status is RowStatus.NEW


def test_a_line_break_inside_a_name_is_refused():
    assert errors_of("a@b.gov.uk", "Jo\nAnne", "Smith", "MOJ") == [
        "Row 2: First name contains a line break or tab; put the value on one line"
    ]


def test_a_refused_value_is_not_also_reported_missing():
    header = ("Email", "Full name", "Department")
    assert len(errors_of("\u202e", "\u200b", "\x00", header=header)) == 3


# End to end from real files ---------------------------------------------------------------------


def _csv(path: Path, rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path.read_bytes()


ROWS = [
    ["Email address", "Forename", "Surname", "Organisation", "Job title", "Grade"],
    ["sian.oneill@gov.wales", "Siân", "O'Neill", "Welsh Government", "Data scientist", "SEO"],
    ["zoe.ng@ukhsa.gov.uk", "Zoë", "Ng", "ukhsa", "", "007"],
    [],
    ["Amara.Okafor@justice.gov.uk", "Amara", "Okafor", "MoJ", "", ""],
    ["daniel.whitfield@justice.gov.uk", "Daniel", "Whitfield", "MOJ", "", ""],
    ["jo@@justice", "NA", "None", "MOJ", "=1+1", ""],
    ["new.person@dvla.gov.uk", "Owain", "Pritchard", "Ministry of Magic", "", ""],
    ["ZOE.NG@ukhsa.gov.uk", "Zoë", "Ng", "UKHSA", "", ""],
]
EXPECTED_PROBLEMS = [
    "Row 7: 'jo@@justice' is not a valid email address",
    "Row 8: department 'Ministry of Magic' is not one we know — use a code such as MOJ, a name or an alias",
    "Row 9: the email address zoe.ng@ukhsa.gov.uk is also on row 3",
]


def _check_end_to_end(preview):
    assert [(r.row_number, r.status) for r in preview.rows] == [
        (2, RowStatus.NEW),
        (3, RowStatus.NEW),
        (5, RowStatus.KNOWN),
        (6, RowStatus.ALREADY_ENROLLED),
        (7, RowStatus.ERROR),
        (8, RowStatus.ERROR),
        (9, RowStatus.ERROR),
    ]
    sian, zoe = preview.rows[:2]
    assert (sian.full_name, sian.department.code, sian.job_title, sian.grade) == (
        "Siân O'Neill",
        "WG",
        "Data scientist",
        "SEO",
    )
    assert (zoe.full_name, zoe.grade) == ("Zoë Ng", "007")
    assert preview.rows[4].full_name == "NA None"
    assert preview.rows[4].job_title == "=1+1"
    lines = preview.problem_lines()
    assert len(lines) == len(EXPECTED_PROBLEMS)
    for line, expected in zip(lines, EXPECTED_PROBLEMS, strict=True):
        assert line.startswith(expected)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_end_to_end_from_a_csv_file(tmp_path, encoding):
    data = _csv(tmp_path / "nominations.csv", ROWS, encoding)
    _check_end_to_end(preview_nominations("nominations.csv", data, DEPARTMENTS, KNOWN, ENROLLED))


def test_end_to_end_from_an_xlsx_file(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in ROWS:
        sheet.append(row)
    sheet["F3"] = "007"
    sheet["F3"].data_type = "s"
    sheet["E7"] = "=1+1"  # a real formula cell: kept as its text
    path = tmp_path / "nominations.xlsx"
    workbook.save(path)
    _check_end_to_end(preview_nominations(path.name, path.read_bytes(), DEPARTMENTS, KNOWN, ENROLLED))


def test_a_csv_with_a_nul_byte_in_a_name_names_the_row_and_column(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(
        b"Email,Full name,Department\r\na@b.gov.uk,Jo Smith,MOJ\r\nc@d.gov.uk,Al\x00 Jones,MOJ\r\n"
    )
    preview = preview_nominations(path.name, path.read_bytes(), DEPARTMENTS, {}, set())
    assert preview.problem_lines() == [
        "Row 3: Full name contains a hidden or control character (U+0000, null character); retype the value without it"
    ]


def test_5000_rows_parse_and_validate_quickly(tmp_path):
    """A generous sanity bound only; the benchmark measures real timings."""
    rows = [list(HEADER)] + [
        [
            f"person.{i}@justice.gov.uk",
            "Siân",
            "O'Neill",
            "MOJ" if i % 2 else "Welsh Government",
            "Data scientist",
            "SEO",
        ]
        for i in range(5_000)
    ]
    csv_data = _csv(tmp_path / "n.csv", rows, "cp1252")
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(tmp_path / "n.xlsx")
    xlsx_data = (tmp_path / "n.xlsx").read_bytes()
    for name, data in (("n.csv", csv_data), ("n.xlsx", xlsx_data)):
        started = time.perf_counter()
        preview = preview_nominations(name, data, DEPARTMENTS, KNOWN, ENROLLED)
        elapsed = time.perf_counter() - started
        assert preview.counts[RowStatus.NEW] == 5_000
        assert elapsed < 20, f"{name}: {elapsed:.1f} s"


def test_read_table_output_feeds_validation_directly(tmp_path):
    data = _csv(tmp_path / "n.csv", [["Name", "Email", "Dept"], ["Jo Smith", "jo@justice.gov.uk", "MOJ"]])
    preview = validate_nominations(read_table("n.csv", data), DEPARTMENTS, {}, set())
    assert preview.ok
    assert preview.rows[0].department_id == 1


def test_a_hidden_character_in_a_heading_is_not_echoed_in_messages():
    header = ("Email", "Full\u202e name", "Department")
    assert match_headers(header).ok  # punctuation and hidden characters are ignored when matching
    assert errors_of("a@b.gov.uk", "Jo\x00", "MOJ", header=header) == [
        "Row 2: Full<U+202E> name contains a hidden or control character (U+0000, null character); "
        "retype the value without it"
    ]
