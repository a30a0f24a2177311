"""A department's outcome figures (docs/api.md, Reports): the figures of its outcome report,
from the report's own functions (cohort/reports/department.py department_report, reached through
the report pages' own lookup), so the API, the page and the XLSX cannot disagree. The headings
are the page's and the XLSX's. Scope as the pages (docs/rules.md §1.3, §9.4): programme managers
any department, a sponsor their own only (another's is 404); facilitators hold no reports:read.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask_smorest import Blueprint  # type: ignore[import-untyped]

from cohort.api import core
from cohort.api.core import READ_ERRORS
from cohort.api.schemas import DepartmentFiguresSchema, DepartmentQuerySchema
from cohort.reports.department_routes import _report

if TYPE_CHECKING:  # pandas is imported where figures are built (docs/architecture.md §10)
    import pandas as pd

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1", description="Reports")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows, JSON-ready: pandas writes NaN as null and numpy numbers as numbers."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _plain(values: dict) -> dict[str, Any]:
    import pandas as pd

    return json.loads(pd.Series(values, dtype=object).to_json(date_format="iso")) if values else {}


@blp.route("/departments/<code>/outcomes")
@core.operation(blp, "reports:read", *READ_ERRORS)
@blp.etag
@blp.arguments(DepartmentQuerySchema, location="query")
@blp.response(200, DepartmentFiguresSchema)
def department_outcomes(query, code: str):
    """A department's outcome figures, as its report page and XLSX: the headline figures, per
    cohort (then all cohorts), skills uplift, projects and the ethics strand. cohort=<slug> for
    one of its cohorts only. A sponsor's token reaches their own department only."""
    report, _ = _report(code)  # reads cohort= from the query, as the page does
    return {
        "department": {"code": report.department.code, "name": report.department.name},
        "cohort": report.cohort.slug if report.cohort is not None else None,
        "summary": _plain(report.summary),
        "cohorts": _records(report.cohorts),
        "skills_uplift": _records(report.uplift),
        "projects": _records(report.projects),
        "ethics": _plain(report.ethics),
    }
