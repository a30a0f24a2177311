"""Every kind of e-mail Cohort sends: who gets it, what sends it, and whether it can be turned off.

docs/messages.md lists the same, for people; the two are kept in step by a test. Each kind's
words are in cohort/messages/templates/messages/email/<name>.txt (subject and body blocks).
"""

from __future__ import annotations

from dataclasses import dataclass

from cohort.models.user import Role

ALL = frozenset(Role)
PARTICIPANT = frozenset({Role.PARTICIPANT})
TAKING_PART = frozenset({Role.PARTICIPANT, Role.FACILITATOR})


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # as the person sees it under Your account → E-mail
    audience: str
    trigger: str
    # Optional kinds can be turned off by the person and carry a one-click unsubscribe link;
    # the others are part of using the service (a password link, a changed session).
    optional: bool
    # Who can get it: Your account → E-mail offers each person only their own kinds.
    roles: frozenset[Role] = ALL


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "invitation",
            "Invitation to set a password",
            "A new participant or member of staff",
            "Enrolment, an import, or a programme manager sending or resending invitations",
            optional=False,
        ),
        Kind(
            "password_reset",
            "Link to reset a forgotten password",
            "Anyone with an account who asks",
            "'Forgotten your password?' on the sign-in page",
            optional=False,
        ),
        Kind(
            "session_reminder",
            "Reminders of sessions the working day before",
            "Participants and facilitators of the session's cohort",
            "The working day before the session (bank holidays and weekends skipped)",
            optional=True,
            roles=TAKING_PART,
        ),
        Kind(
            "session_changed",
            "A session you are in has changed or been cancelled",
            "Participants and facilitators of the session's cohort",
            "A change to a session's date, time or place, its cancellation, or its reinstatement",
            optional=False,
            roles=TAKING_PART,
        ),
        Kind(
            "register_missing",
            "Registers not taken",
            "The cohort's facilitators; the programme managers a day later",
            "Two working hours after a session ends with no register saved",
            optional=True,
            roles=frozenset({Role.FACILITATOR, Role.ADMIN}),
        ),
        Kind(
            "at_risk",
            "Weekly note when your completion is at risk",
            "A participant whose standing has become at risk",
            "Weekly, on Monday morning",
            optional=True,
            roles=PARTICIPANT,
        ),
        Kind(
            "department_at_risk",
            "Weekly summary of your department's people at risk",
            "A department sponsor with people at risk",
            "Weekly, on Monday morning",
            optional=True,
            roles=frozenset({Role.SPONSOR}),
        ),
        Kind(
            "certificate_issued",
            "Your certificate",
            "A participant who completed the programme",
            "The cohort being finished",
            optional=False,
            roles=PARTICIPANT,
        ),
        Kind(
            "department_report_ready",
            "Your department's outcome report is ready",
            "Sponsors of each department with people in the cohort",
            "The cohort being finished",
            optional=True,
            roles=frozenset({Role.SPONSOR}),
        ),
        Kind(
            "team_joined",
            "Someone joined your hackathon team",
            "A participant put into a hackathon team, and the team's other members",
            "Joining or being put into a team",
            optional=True,
            roles=PARTICIPANT,
        ),
        Kind(
            "hackathon_results",
            "Hackathon results",
            "Participants in the hackathon",
            "The results being published",
            optional=True,
            roles=PARTICIPANT,
        ),
    )
}


def kinds_for(role: Role) -> list[Kind]:
    return [k for k in KINDS.values() if role in k.roles]
