"""Report charts and their text alternatives, and how report figures read on pages."""

from __future__ import annotations

import pandas as pd
import pytest

from cohort.filters import decimal1, share
from cohort.reports import charts
from cohort.reports.department import display
from cohort.reports.tables import SUMMARY_COLUMNS

PNG = b"\x89PNG\r\n\x1a\n"


def _by_cohort(rows: list[dict]) -> pd.DataFrame:
    full = [
        {"Cohort": r["Cohort"], "Status": "Finished", **dict.fromkeys(SUMMARY_COLUMNS, 0), **r} for r in rows
    ]
    return pd.DataFrame(full, columns=["Cohort", "Status", *SUMMARY_COLUMNS])


def test_outcomes_chart_is_a_png_with_its_figures_as_text():
    frame = _by_cohort(
        [
            {"Cohort": "Pilot", "Completed": 2, "Not completed": 1, "Withdrawn": 1},
            {"Cohort": "Cohort 1", "On track": 3, "At risk": 1},
            {
                "Cohort": "All cohorts",
                "Completed": 2,
                "Not completed": 1,
                "Withdrawn": 1,
                "On track": 3,
                "At risk": 1,
            },
        ]
    )
    chart = charts.outcomes_by_cohort(frame, "Ministry of Justice")
    assert chart.png.startswith(PNG)
    assert chart.data_uri.startswith("data:image/png;base64,iVBORw0KGgo")
    assert "Ministry of Justice" in chart.alt and len(chart.alt) < 120
    assert chart.summary == (
        "Outcomes of the 8 people Ministry of Justice nominated, by cohort. "
        "Pilot: 2 completed, 1 not completed, 1 withdrawn; Cohort 1: 3 on track, 1 at risk."
    )
    # The table behind it: the cohorts (not the total row) and the five outcomes drawn.
    assert list(chart.table.columns) == [
        "Cohort",
        "Completed",
        "Not completed",
        "Withdrawn",
        "On track",
        "At risk",
    ]
    assert chart.table["Cohort"].tolist() == ["Pilot", "Cohort 1"]
    assert chart.table.loc[0, "Completed"] == 2


def test_many_cohorts_chart_the_most_recent_dozen_and_say_so():
    rows = [{"Cohort": f"Cohort {n:02d}", "Completed": 1} for n in range(1, 31)]
    chart = charts.outcomes_by_cohort(_by_cohort(rows), "DVLA")
    assert chart.table["Cohort"].tolist() == [f"Cohort {n:02d}" for n in range(19, 31)]
    assert chart.summary.startswith(
        "The 12 most recent of 30 cohorts. Outcomes of the 12 people DVLA nominated"
    )


def test_no_outcomes_no_chart():
    assert charts.outcomes_by_cohort(_by_cohort([]), "HMRC") is None
    assert charts.outcomes_by_cohort(_by_cohort([{"Cohort": "Pilot"}]), "HMRC") is None


def test_uplift_chart_and_its_sentence():
    frame = pd.DataFrame(
        [
            {"Skill": "MLOps", "People assessed": 3, "Mean baseline": 1.0, "Mean latest": 2.5, "Mean uplift": 1.5},
            {"Skill": "Responsible AI", "People assessed": 2, "Mean baseline": 2.0, "Mean latest": 1.5,
             "Mean uplift": -0.5},
        ]
    )  # fmt: skip
    chart = charts.uplift_by_skill(frame)
    assert chart.png.startswith(PNG)
    assert chart.summary.endswith("Largest: MLOps (+1.5); smallest: Responsible AI (-0.5).")
    assert chart.table.equals(frame)
    assert charts.uplift_by_skill(frame.iloc[0:0]) is None


def test_same_figures_same_picture():
    frame = _by_cohort([{"Cohort": "Pilot", "Completed": 1}])
    assert charts.outcomes_by_cohort(frame, "DVLA").png == charts.outcomes_by_cohort(frame, "DVLA").png


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (159 / 200, "80%"),  # 79.5 % rounds half up
        (0.7949999999999999, "80%"),  # a float mean of rates that were 79.5 %
        (0.794, "79%"),
        (2 / 3, "67%"),
        (1.0, "100%"),
        (0.0, "0%"),
        (None, "No data"),
        (float("nan"), "No data"),
        (pd.NA, "No data"),
    ],
)
def test_whole_percent(value, shown):
    assert share(value, "No data") == shown


def test_levels_are_signed_with_one_decimal():
    levels = [decimal1(v, "No data") for v in (5 / 3, 0.0, None)]
    assert levels == ["+1.7", "0.0", "No data"]


def test_display_says_why_a_completion_rate_is_missing():
    frame = _by_cohort(
        [{"Cohort": "Pilot", "Completion rate": 0.5}, {"Cohort": "Cohort 1", "Completion rate": None}]
    )
    frame.loc[1, "Status"] = "Running"
    table = display(frame, finished={"Pilot"}, key="Cohort")
    rate = [c.name for c in table.columns].index("Completion rate")
    assert [row[rate] for row in table.rows] == ["50%", "Not finished yet"]
    assert table.columns[rate].numeric and not table.columns[0].numeric
    assert display(frame, finished={"Pilot", "Cohort 1"}, key="Cohort").rows[1][rate] == "No data"


def test_a_chart_is_drawn_once_for_the_same_figures(monkeypatch):
    drawn = []
    real = charts._png
    monkeypatch.setattr(charts, "_png", lambda figure: drawn.append(1) or real(figure))
    monkeypatch.setattr(charts, "_RENDERED", charts.OrderedDict())
    frame = _by_cohort([{"Cohort": "Pilot", "Completed": 3}])
    first = charts.outcomes_by_cohort(frame, "Cabinet Office")
    again = charts.outcomes_by_cohort(frame, "Cabinet Office")
    assert again.png == first.png and len(drawn) == 1
    other = charts.outcomes_by_cohort(_by_cohort([{"Cohort": "Pilot", "Completed": 4}]), "Cabinet Office")
    assert other.png != first.png and len(drawn) == 2  # other figures: drawn afresh
    charts.outcomes_by_cohort(frame, "HM Treasury")
    assert len(drawn) == 3  # the department is in the title
