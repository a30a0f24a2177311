"""Hackathons: challenges, offers, settings, teams, submissions, judges, scores and results.

Every change is audited and committed here; a refused change raises HackathonError with
a message for the person and the form field at fault, and writes nothing. Changes to a
hackathon take its session row lock first (SELECT … FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE serialises writers), so two simultaneous requests cannot put one
participant in two teams or overfill a team; the database's unique
(session_id, enrolment_id) on memberships is the last line. Pages that edit a challenge,
a hackathon's settings or a team carry its version and a save over a newer change is
refused (docs/decisions/0004-optimistic-edits-and-limits.md).

One module per part: common (reading, locks), challenges (challenges and a hackathon's
settings), teams, work (submissions, judging, results) and completion (for the rules).
"""

from .challenges import (
    CHALLENGE,
    CHALLENGE_FIELDS,
    HACKATHON_SETTINGS,
    SETTINGS_FIELDS,
    ChallengeDetails,
    accept_challenge,
    create_challenge,
    save_settings,
    update_challenge,
)
from .common import (
    HackathonError,
    ResultRow,
    deadline_of,
    has_ended,
    is_judge,
    judges_of,
    member_user_ids,
    offered_challenges,
    results,
    settings_for,
    team_of,
    teams_of,
)
from .completion import entries_for_completion, hackathons_taken
from .teams import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    TEAM,
    TEAM_MEMBERS,
    _new_join_code,
    add_member,
    auto_form_teams,
    create_team,
    join_team,
    member_ids,
    remove_member,
    unplaced,
    update_team,
)
from .work import (
    SCORE_FIELDS,
    SUBMISSION_FIELDS,
    SubmissionDetails,
    invite_judge,
    judge_choices,
    remove_judge,
    save_score,
    save_submission,
    set_published,
)

__all__ = [
    "CHALLENGE",
    "CHALLENGE_FIELDS",
    "HACKATHON_SETTINGS",
    "JOIN_CODE_ALPHABET",
    "JOIN_CODE_LENGTH",
    "SCORE_FIELDS",
    "SETTINGS_FIELDS",
    "SUBMISSION_FIELDS",
    "TEAM",
    "TEAM_MEMBERS",
    "ChallengeDetails",
    "HackathonError",
    "ResultRow",
    "SubmissionDetails",
    "_new_join_code",
    "accept_challenge",
    "add_member",
    "auto_form_teams",
    "create_challenge",
    "create_team",
    "deadline_of",
    "entries_for_completion",
    "hackathons_taken",
    "has_ended",
    "invite_judge",
    "is_judge",
    "join_team",
    "judge_choices",
    "judges_of",
    "member_ids",
    "member_user_ids",
    "offered_challenges",
    "remove_judge",
    "remove_member",
    "results",
    "save_score",
    "save_settings",
    "save_submission",
    "set_published",
    "settings_for",
    "team_of",
    "teams_of",
    "unplaced",
    "update_challenge",
    "update_team",
]
