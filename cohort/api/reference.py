"""The API reference page inside the service (docs/api.md, Reference): the live OpenAPI spec
rendered on the server as a GOV.UK page, for signed-in staff. Rendered here rather than by a
third-party JavaScript viewer, which generally fails the service's accessibility checks (axe)
and does not reflow at 320 px."""

from __future__ import annotations

from flask import Blueprint, render_template

from cohort.api.tokens import SCOPES
from cohort.auth.access import roles_required
from cohort.models import Role

bp = Blueprint("api_reference", __name__, template_folder="templates")

METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(spec: dict, item: dict) -> dict:
    ref = item.get("$ref") if isinstance(item, dict) else None
    if not ref:
        return item
    found: dict = spec
    for part in ref.lstrip("#/").split("/"):
        found = found.get(part, {})
    return found


def _type_of(spec: dict, schema: dict) -> str:
    schema = _resolve(spec, schema or {})
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if "enum" in schema:
        return f"{kind}: one of {', '.join(str(v) for v in schema['enum'] if v is not None)}"
    return str(kind)


def operations(spec: dict) -> list[dict]:
    """Each operation of the spec with what the page shows, by path then method."""
    found = []
    for path, item in spec.get("paths", {}).items():
        shared = [_resolve(spec, p) for p in item.get("parameters", [])]
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            parameters = shared + [_resolve(spec, p) for p in op.get("parameters", [])]
            scope = _scope_of(op)
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": f"{method}-{path.strip('/').replace('/', '-').replace('{', '').replace('}', '')}",
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "public": not op.get("security"),
                    "scope": scope,
                    "parameters": [
                        {
                            "name": p.get("name", ""),
                            "where": p.get("in", ""),
                            "required": bool(p.get("required")),
                            "type": _type_of(spec, p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in parameters
                    ],
                    "body": bool(op.get("requestBody")),
                    "responses": [
                        (status, _resolve(spec, response).get("description", ""))
                        for status, response in sorted(op.get("responses", {}).items())
                    ],
                }
            )
    return found


def _scope_of(op: dict) -> str | None:
    return op.get("x-scope")  # set by cohort.api.core.operation


@bp.route("/api-reference")
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)
def reference():
    from cohort.api.core import api

    spec = api.spec.to_dict()
    return render_template(
        "api/reference.html",
        spec=spec,
        operations=operations(spec),
        scopes=SCOPES,
    )
