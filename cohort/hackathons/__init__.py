"""Hackathons: challenges, teams, submissions, judging and results (docs/rules.md §7)."""

from flask import Blueprint

bp = Blueprint("hackathons", __name__, template_folder="templates")


@bp.record_once
def _register_completion_source(state) -> None:
    # The completion rules (docs/rules.md §5.8) read who handed in what through this hook.
    from cohort.hackathons.service import entries_for_completion

    state.app.extensions["cohort.hackathon_entries"] = entries_for_completion


from cohort.hackathons import routes  # noqa: E402,F401
