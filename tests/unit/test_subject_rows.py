"""The export's entitlement rule as plain functions (docs/personal-data.md §2): other people by
role, the person as "You", secrets left out, other names in free text replaced, CSV formula-safe."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from cohort.privacy.export.builder import make_scrubber, records_for, to_csv

SCRUB = make_scrubber(
    ["Ann Lee", "ann.lee@x.gov.uk"],
    {
        "Anne Leigh": "Another participant",
        "anne.leigh@x.gov.uk": "Another participant",
        "Fran Facil": "A facilitator",
    },
)


def test_other_people_become_their_role_and_she_is_you():
    rows = [{"id": 1, "submitted_by_id": 7, "title": "Ours", "updated_at": datetime(2026, 1, 2, tzinfo=UTC)}]
    out = records_for("submissions", rows, 5, {7: "participant"}, {"submitted_by_id"}, SCRUB)
    assert out == [
        {
            "id": 1,
            "submitted_by_id": "Another team member",
            "title": "Ours",
            "updated_at": "2026-01-02T00:00:00+00:00",
        }
    ]
    scores = records_for(
        "scores", [{"id": 2, "judge_id": 9, "comment": "Good"}], 5, {9: "facilitator"}, {"judge_id"}, SCRUB
    )
    assert scores[0]["judge_id"] == "A judge" and scores[0]["comment"] == "Good"
    marks = records_for(
        "attendance_marks", [{"id": 3, "recorded_by_id": 5}], 5, {}, {"recorded_by_id"}, SCRUB
    )
    assert marks[0]["recorded_by_id"] == "You"


def test_secrets_are_left_out_and_users_id_kept():
    rows = [{"id": 5, "password_hash": "x", "full_name": "Ann Lee"}]
    assert records_for("users", rows, 5, {}, {"id"}, SCRUB) == [{"id": 5, "full_name": "Ann Lee"}]


def test_free_text_loses_other_names_but_keeps_hers():
    text = "Ann Lee joined Anne Leigh (anne.leigh@x.gov.uk); fran facil approved"
    assert SCRUB(text) == "Ann Lee joined Another participant (Another participant); A facilitator approved"
    assert SCRUB({"after": ["Anne Leigh"]}) == {"after": ["Another participant"]}


def test_csv_is_formula_safe():
    data = to_csv([{"a": "=1+1", "b": 2, "c": {"k": "v"}}]).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(data)))
    assert row == {"a": "'=1+1", "b": "2", "c": '{"k": "v"}'}
