"""A rule's reason beside its title does not say the title twice (My progress, printed records)."""

import pytest

from cohort.filters import reason_under


@pytest.mark.parametrize(
    ("reason", "title", "shown"),
    [
        (
            "Attendance 85% (17 of 20 sessions) — needs 80%",
            "Attendance",
            "85% (17 of 20 sessions) — needs 80%",
        ),
        (
            "Mandatory sessions: every one attended or caught up",
            "Mandatory sessions",
            "Every one attended or caught up",
        ),
        (
            "Skills at target: the cohort assesses no skills",
            "Skills at target",
            "The cohort assesses no skills",
        ),
        # A reason that does not start with its title is left as it is.
        (
            "Ethics: Bias and fairness (week 5) missed, no catch-up",
            "Mandatory sessions",
            "Ethics: Bias and fairness (week 5) missed, no catch-up",
        ),
        # Nothing but the title: keep it rather than show an empty cell.
        ("Attendance", "Attendance", "Attendance"),
    ],
)
def test_the_title_is_not_repeated(reason, title, shown):
    assert reason_under(reason, title) == shown
