"""Hackathons (docs/rules.md §7): departments' challenges, the challenges offered in a
hackathon session, its settings, teams and their members, submissions with a
responsible-AI statement, judges and their scores.

A hackathon is a `Session` of kind `hackathon`; everything here hangs off its id.
The database holds the rules that must never break: one team per participant per
hackathon (unique session_id + enrolment_id on the membership, with the membership's
session tied to its team's by a composite foreign key), one submission per team,
one score per judge per submission, scores 1–5.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.department import Department
from cohort.models.enrolment import Enrolment
from cohort.models.schedule import Session
from cohort.models.user import User

DEFAULT_TEAM_SIZE_MIN = 2
DEFAULT_TEAM_SIZE_MAX = 6
MAX_TEAM_SIZE = 20
CRITERIA = ("public_impact", "technical_quality", "responsible_ai", "presentation")
CRITERIA_LABELS = {
    "public_impact": "Public impact",
    "technical_quality": "Technical quality",
    "responsible_ai": "Responsible AI",
    "presentation": "Presentation",
}


class ChallengeStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class DataSensitivity(enum.StrEnum):
    OPEN = "open"
    OFFICIAL = "official"
    OFFICIAL_SENSITIVE = "official_sensitive"
    SYNTHETIC = "synthetic"

    @property
    def label(self) -> str:
        return {
            "open": "Open data",
            "official": "OFFICIAL",
            "official_sensitive": "OFFICIAL-SENSITIVE",
            "synthetic": "Synthetic data only",
        }[self.value]


class Challenge(Model):
    """A problem a department brings to hackathons. A sponsor's proposal waits for a
    programme manager to accept it; only accepted challenges can be offered."""

    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("problem_statement <> ''", name="problem_statement_not_empty"),
        Index("ix_challenges_department_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    problem_statement: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    data_available: Mapped[str | None] = mapped_column(Text)
    data_sensitivity: Mapped[DataSensitivity] = mapped_column(
        str_enum(DataSensitivity, "data_sensitivity"), default=DataSensitivity.OFFICIAL
    )
    success_looks_like: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[ChallengeStatus] = mapped_column(
        str_enum(ChallengeStatus, "challenge_status"), default=ChallengeStatus.PROPOSED
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()
    proposed_by: Mapped[User | None] = relationship()

    @property
    def accepted(self) -> bool:
        return self.status == ChallengeStatus.ACCEPTED

    def __repr__(self) -> str:
        return f"<Challenge {self.id} {self.title!r} {self.status}>"


class HackathonSettings(Model):
    """Per-hackathon settings; a hackathon without a row uses the defaults."""

    __tablename__ = "hackathon_settings"
    __table_args__ = (
        CheckConstraint(
            f"team_size_min >= 1 AND team_size_min <= team_size_max AND team_size_max <= {MAX_TEAM_SIZE}",
            name="team_size_range",
        ),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    team_size_min: Mapped[int] = mapped_column(default=DEFAULT_TEAM_SIZE_MIN)
    team_size_max: Mapped[int] = mapped_column(default=DEFAULT_TEAM_SIZE_MAX)
    # None: the end of the hackathon session.
    submission_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[Session] = relationship()

    @property
    def id(self) -> int:
        """The hackathon's session id (so audit events name the hackathon)."""
        return self.session_id

    @property
    def results_published(self) -> bool:
        return self.results_published_at is not None


class HackathonChallenge(Model):
    """A challenge on offer in one hackathon."""

    __tablename__ = "hackathon_challenges"
    __table_args__ = (
        UniqueConstraint("session_id", "challenge_id", name="uq_hackathon_challenges_session_challenge"),
        Index("ix_hackathon_challenges_challenge_id", "challenge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="RESTRICT"))

    session: Mapped[Session] = relationship()
    challenge: Mapped[Challenge] = relationship()


class Team(Model):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("session_id", "name", name="uq_teams_session_name"),
        # The target of team_members' composite foreign key.
        UniqueConstraint("id", "session_id", name="uq_teams_id_session"),
        CheckConstraint("name <> ''", name="name_not_empty"),
        Index("ix_teams_challenge_id", "challenge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="RESTRICT"))
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()
    challenge: Mapped[Challenge | None] = relationship()
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", order_by="TeamMember.id", cascade="all, delete-orphan", passive_deletes=True
    )
    submission: Mapped[Submission | None] = relationship(back_populates="team", uselist=False)

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.name!r} session={self.session_id}>"


class TeamMember(Model):
    """A participant's place in a team. session_id repeats the team's (held equal by the
    composite foreign key) so the database can refuse a second team in one hackathon."""

    __tablename__ = "team_members"
    __table_args__ = (
        UniqueConstraint("session_id", "enrolment_id", name="uq_team_members_session_enrolment"),
        ForeignKeyConstraint(
            ["team_id", "session_id"],
            ["teams.id", "teams.session_id"],
            name="fk_team_members_team_session",
            ondelete="CASCADE",
        ),
        Index("ix_team_members_team_id", "team_id"),
        Index("ix_team_members_enrolment_id", "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int]
    session_id: Mapped[int]
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")
    enrolment: Mapped[Enrolment] = relationship()


class Submission(Model):
    """What a team hands in, with its responsible-AI statement. `late` is set when it
    was first handed in after the deadline; late work does not count for completion."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("summary <> ''", name="summary_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    repository_link: Mapped[str | None] = mapped_column(String(500))
    demo_link: Mapped[str | None] = mapped_column(String(500))
    data_used: Mapped[str] = mapped_column(Text)
    who_could_be_harmed: Mapped[str] = mapped_column(Text)
    bias_checked: Mapped[str] = mapped_column(Text)
    human_decides: Mapped[str] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="submission")
    scores: Mapped[list[Score]] = relationship(back_populates="submission", order_by="Score.id")


class HackathonJudge(Model):
    """A facilitator or sponsor invited to judge one hackathon."""

    __tablename__ = "hackathon_judges"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_hackathon_judges_session_user"),
        Index("ix_hackathon_judges_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Score(Model):
    """One judge's marks for one submission, 1–5 on each criterion, with a comment."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("submission_id", "judge_id", name="uq_scores_submission_judge"),
        CheckConstraint("public_impact BETWEEN 1 AND 5", name="public_impact_range"),
        CheckConstraint("technical_quality BETWEEN 1 AND 5", name="technical_quality_range"),
        CheckConstraint("responsible_ai BETWEEN 1 AND 5", name="responsible_ai_range"),
        CheckConstraint("presentation BETWEEN 1 AND 5", name="presentation_range"),
        Index("ix_scores_judge_id", "judge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    public_impact: Mapped[int]
    technical_quality: Mapped[int]
    responsible_ai: Mapped[int]
    presentation: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="scores")
    judge: Mapped[User] = relationship()

    @property
    def total(self) -> int:
        return self.public_impact + self.technical_quality + self.responsible_ai + self.presentation


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="challenges",
        columns=("contact", "proposed_by_id"),
        purpose="Who proposed a hackathon challenge and who to contact about it.",
        retention="personal_details",
        subject=("user:proposed_by_id",),
        description="One row per challenge you proposed.",
    ),
    PersonalData(
        table="hackathon_settings",
        columns=("results_published_by_id",),
        purpose="Who published a hackathon's results.",
        retention="personal_details",
        subject=("user:results_published_by_id",),
        description="One row per hackathon whose results you published.",
    ),
    PersonalData(
        table="teams",
        columns=("name", "created_by_id"),
        purpose="The hackathon teams and who started each, so members can find and join them.",
        retention="personal_details",
        subject=("user:created_by_id",),
        description="One row per team you started.",
    ),
    PersonalData(
        table="team_members",
        columns=("enrolment_id", "team_id", "joined_at"),
        purpose="Which team you were in at a hackathon, which counts towards completion.",
        retention="personal_details",
        subject=("enrolment:enrolment_id",),
        description="One row per hackathon team you joined.",
    ),
    PersonalData(
        table="submissions",
        columns=(
            "title",
            "summary",
            "repository_link",
            "demo_link",
            "data_used",
            "who_could_be_harmed",
            "bias_checked",
            "human_decides",
            "submitted_by_id",
        ),
        purpose="What your team handed in at a hackathon, for judging and completion.",
        retention="personal_details",
        subject=("via:team", "user:submitted_by_id"),
        description="Your team's submission at each hackathon.",
    ),
    PersonalData(
        table="hackathon_judges",
        columns=("user_id", "invited_by_id"),
        purpose="Who was invited to judge a hackathon.",
        retention="personal_details",
        subject=("user:user_id", "user:invited_by_id"),
        description="One row per hackathon you were invited to judge.",
    ),
    PersonalData(
        table="scores",
        columns=(
            "judge_id",
            "public_impact",
            "technical_quality",
            "responsible_ai",
            "presentation",
            "comment",
        ),
        purpose="Judges' marks and comments on each submission, to rank the teams.",
        retention="personal_details",
        subject=("via:submission", "user:judge_id"),
        description="The marks your team's submission received (or you gave as a judge).",
    ),
)
NOT_PERSONAL = (
    NotPersonal("challenges", "title", "A challenge's title, about a department's problem, not a person."),
    NotPersonal(
        "challenges", "problem_statement", "The department's problem, written for every participant to read."
    ),
    NotPersonal("challenges", "data_available", "A description of the data sets a challenge offers."),
    NotPersonal(
        "challenges",
        "data_sensitivity",
        "How sensitive the challenge's data is: official or official-sensitive.",
    ),
    NotPersonal("challenges", "success_looks_like", "What a good answer to the challenge would do."),
)
