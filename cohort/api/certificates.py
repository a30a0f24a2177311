"""Check a certificate's code (docs/api.md, Resources): public, rate-limited per address, and the
same answer as the page (/certificates/check): an unknown and a revoked code alike are not valid."""

from __future__ import annotations

from flask_smorest import Blueprint  # type: ignore[import-untyped]

from cohort.api import core
from cohort.api.schemas import CertificateQuerySchema, CertificateSchema
from cohort.records.codes import CodeError
from cohort.records.queries import completion_date
from cohort.records.service import find_valid

blp = Blueprint("api_certificates", __name__, url_prefix="/api/v1/certificates", description="Certificates")


@blp.route("/verify")
@core.operation(blp, None, 400, 422, 429)
@blp.arguments(CertificateQuerySchema, location="query")
@blp.response(200, CertificateSchema)
def verify_certificate(query):
    """Whether a certificate code is genuine: the holder's name, the cohort and the completion date."""
    try:
        found = find_valid(query["code"])
    except CodeError as error:
        core.abort_invalid({"query": {"code": [str(error)]}})
        raise AssertionError from error  # unreachable
    if found is None:
        return {"valid": False, "name": None, "cohort": None, "completed_on": None}
    return {
        "valid": True,
        "name": found.enrolment.user.full_name,
        "cohort": found.enrolment.cohort.name,
        "completed_on": completion_date(found.enrolment),
    }
