"""Charts for the department outcome report, drawn with matplotlib as PNG.

Each chart comes with its text alternative built from the same table it is drawn from: a short
`alt` for the image, a sentence that says what the chart shows, and the table itself, which
pages and PDFs print right below the image (a chart alone is no use to someone who cannot see
it, and the figures must be there to copy).

matplotlib's `Figure` is used directly, never pyplot: pyplot keeps global state that is not
safe across the threads of a web server, and picks a GUI backend. Saving a bare Figure uses Agg.
"""

from __future__ import annotations

import base64
import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from cohort.domain.formatting import plural

# pandas and matplotlib are imported where a chart is drawn, not when the app starts
# (docs/architecture.md §10): type names only here.
if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

# Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), and a hatch
# per series so the parts can be told apart without colour at all (printed in black and white).
OUTCOME_SERIES = (
    ("Completed", "#0072B2", ""),
    ("Not completed", "#D55E00", "//"),
    ("Withdrawn", "#999999", ".."),
    ("On track", "#009E73", "\\\\"),
    ("At risk", "#E69F00", "xx"),
)
BAR_COLOUR = "#0072B2"
MAX_COHORT_BARS = 12
TEXT_COLOUR = "#0b0c0c"


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes
    alt: str  # short, for the img's alt attribute
    summary: str  # a sentence saying what the chart shows, printed under it
    table: pd.DataFrame  # the figures drawn, printed under the sentence

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    # No metadata: the same figures always give the same bytes.
    # Constrained layout already fits everything in: no "tight" bounding box (a second drawing).
    figure.savefig(out, format="png", dpi=120, metadata={"Software": None})
    return out.getvalue()


# The same figures always give the same picture, and drawing one takes a few tenths of a second:
# the page, its PDF and the next visitor reuse it while the figures have not changed.
_RENDERED: OrderedDict[tuple, bytes] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
RENDERED_KEPT = 64


def _records(table: pd.DataFrame) -> tuple:
    return tuple(table.columns), tuple(table.itertuples(index=False, name=None))


def _rendered(key: tuple, draw: Callable[[], Figure]) -> bytes:
    with _RENDERED_LOCK:
        if key in _RENDERED:
            _RENDERED.move_to_end(key)
            return _RENDERED[key]
    png = _png(draw())
    with _RENDERED_LOCK:
        _RENDERED[key] = png
        while len(_RENDERED) > RENDERED_KEPT:
            _RENDERED.popitem(last=False)
    return png


def _wrap(label: str, width: int = 22) -> str:
    """Long cohort and skill names over two or three lines rather than overlapping."""
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def outcomes_by_cohort(by_cohort: pd.DataFrame, department: str) -> Chart | None:
    """A stacked bar per cohort of the department's people by outcome (from tables.by_cohort,
    without its "All cohorts" row). None when there is no one to draw."""
    frame = by_cohort[by_cohort["Cohort"] != "All cohorts"]
    columns = [name for name, _, _ in OUTCOME_SERIES]
    table = frame[["Cohort", *columns]].reset_index(drop=True)
    table[columns] = table[columns].astype(int)
    if table.empty or int(table[columns].to_numpy().sum()) == 0:
        return None
    # A bar per cohort reads up to a dozen cohorts (and drawing hundreds takes seconds): beyond
    # that, the most recent ones, and the words and table say so. The full table stays below.
    shown_of = len(table)
    if shown_of > MAX_COHORT_BARS:
        table = table.tail(MAX_COHORT_BARS).reset_index(drop=True)

    def draw() -> Figure:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        figure = Figure(figsize=(8, 1.6 + 0.6 * max(len(table), 2)), layout="constrained")
        axes = figure.add_subplot()
        labels = [_wrap(name) for name in table["Cohort"]]
        left = [0] * len(table)
        for name, colour, hatch in OUTCOME_SERIES:
            values = table[name].tolist()
            bars = axes.barh(labels, values, left=left, color=colour, hatch=hatch, edgecolor="white",
                             linewidth=0.8, label=name)  # fmt: skip
            # The count inside each part that has one, on a white patch so it reads over any colour
            # and hatch, so the chart reads without the axis.
            texts = axes.bar_label(bars, labels=[str(v) if v else "" for v in values], label_type="center",
                                   color=TEXT_COLOUR, fontsize=9, fontweight="bold")  # fmt: skip
            for text in texts:
                text.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 1.5})
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.invert_yaxis()  # first cohort on top, as in the table
        axes.set_xlabel("People nominated", color=TEXT_COLOUR)
        # A linear axis's locator is an AutoLocator, a MaxNLocator.
        cast(MaxNLocator, axes.xaxis.get_major_locator()).set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
        # Outside the axes, under the axis label (constrained layout makes room for it).
        figure.legend(loc="outside lower center", ncols=len(OUTCOME_SERIES), frameon=False, fontsize=9)
        axes.set_title(f"Outcomes of the people {department} nominated, by cohort", loc="left",
                       fontsize=11, color=TEXT_COLOUR)  # fmt: skip
        return figure

    parts = []
    for _, row in table.iterrows():
        counts = [f"{int(row[name])} {name.lower()}" for name in columns if row[name]]
        parts.append(f"{row['Cohort']}: {', '.join(counts) if counts else 'nobody'}")
    total = int(table[columns].to_numpy().sum())
    people = plural(total, "person", "people")
    summary = f"Outcomes of the {people} {department} nominated, by cohort. " + "; ".join(parts) + "."
    if shown_of > len(table):
        summary = f"The {len(table)} most recent of {shown_of} cohorts. " + summary
    return Chart(
        title="Outcomes by cohort",
        png=_rendered(("outcomes", department, _records(table)), draw),
        alt=f"Bar chart of outcomes by cohort for {department}; the figures are in the table below.",
        summary=summary,
        table=table,
    )


def uplift_by_skill(uplift: pd.DataFrame) -> Chart | None:
    """A horizontal bar per skill of the mean uplift (latest − baseline facilitator level), from
    tables.uplift_by_skill. None when no skill has a baseline and a later level."""
    if uplift.empty:
        return None
    table = uplift[["Skill", "People assessed", "Mean baseline", "Mean latest", "Mean uplift"]].reset_index(
        drop=True
    )

    def draw() -> Figure:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(8, 0.8 + 0.45 * max(len(table), 2)), layout="constrained")
        axes = figure.add_subplot()
        values = [float(v) for v in table["Mean uplift"]]
        bars = axes.barh([_wrap(s, 30) for s in table["Skill"]], values, color=BAR_COLOUR)
        axes.bar_label(bars, labels=[f"{v:+.1f}" for v in values], padding=3, fontsize=9, color=TEXT_COLOUR)
        axes.invert_yaxis()
        axes.axvline(0, color=TEXT_COLOUR, linewidth=0.8)
        low, high = min(0.0, *values), max(0.0, *values)
        margin = max(0.5, (high - low) * 0.15)
        axes.set_xlim(low - (margin if low < 0 else 0), high + margin)
        axes.set_xlabel("Mean uplift in levels (latest minus baseline, 0 to 4 scale)", color=TEXT_COLOUR)
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_title("Mean skill uplift per skill", loc="left", fontsize=11, color=TEXT_COLOUR)
        return figure

    best = table.loc[table["Mean uplift"].idxmax()]
    worst = table.loc[table["Mean uplift"].idxmin()]
    summary = (
        f"Mean skill uplift for {plural(len(table), 'skill')}, in levels from baseline to the latest "
        f"facilitator assessment. Largest: {best['Skill']} ({best['Mean uplift']:+.1f})"
    )
    summary += "." if len(table) == 1 else f"; smallest: {worst['Skill']} ({worst['Mean uplift']:+.1f})."
    return Chart(
        title="Mean skill uplift per skill",
        png=_rendered(("uplift", _records(table)), draw),
        alt="Bar chart of the mean skill uplift per skill; the figures are in the table below.",
        summary=summary,
        table=table,
    )
