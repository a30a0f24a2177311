"""The skills framework, the skills each cohort assesses, assessments and learning logs
(docs/rules.md §6). Levels are 0–4, checked by the database as well as the forms."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.domain.progress import Checkpoint, Source
from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.cohort import Cohort
from cohort.models.enrolment import Enrolment
from cohort.models.user import User


class Skill(Model):
    """An entry of the programme's skills framework. Skills in use are retired, never deleted,
    so old assessments stay readable."""

    __tablename__ = "skills"
    __table_args__ = (
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("category <> ''", name="category_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    category: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    # What each level looks like for this skill (0 none … 4 expert).
    level_0: Mapped[str | None] = mapped_column(Text)
    level_1: Mapped[str | None] = mapped_column(Text)
    level_2: Mapped[str | None] = mapped_column(Text)
    level_3: Mapped[str | None] = mapped_column(Text)
    level_4: Mapped[str | None] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def level_description(self, level: int) -> str | None:
        return getattr(self, f"level_{level}")

    def __repr__(self) -> str:
        return f"<Skill {self.name!r}{' retired' if self.retired else ''}>"


class CohortSkill(Model):
    """A skill a cohort assesses, with the level each participant should reach."""

    __tablename__ = "cohort_skills"
    __table_args__ = (
        UniqueConstraint("cohort_id", "skill_id", name="uq_cohort_skills_cohort_skill"),
        CheckConstraint("target_level BETWEEN 1 AND 4", name="target_level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="RESTRICT"), index=True)
    target_level: Mapped[int]

    cohort: Mapped[Cohort] = relationship()
    skill: Mapped[Skill] = relationship()


class Assessment(Model):
    """A level for (enrolment, skill) at a checkpoint, by the participant themselves or by a
    facilitator, with optional evidence. One per (enrolment, skill, checkpoint, source):
    assessing again replaces it, and the audit log keeps what it was."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint(
            "enrolment_id",
            "skill_id",
            "checkpoint",
            "source",
            name="uq_assessments_enrolment_skill_checkpoint",
        ),
        CheckConstraint("level BETWEEN 0 AND 4", name="level_range"),
        Index("ix_assessments_skill_id", "skill_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="RESTRICT"))
    checkpoint: Mapped[Checkpoint] = mapped_column(str_enum(Checkpoint, "assessment_checkpoint"))
    source: Mapped[Source] = mapped_column(str_enum(Source, "assessment_source"))
    level: Mapped[int]
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_link: Mapped[str | None] = mapped_column(String(500))
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    skill: Mapped[Skill] = relationship()
    assessed_by: Mapped[User | None] = relationship()


class LearningLogEntry(Model):
    """Something a participant did to learn: date, activity, hours, reflection, link."""

    __tablename__ = "learning_log_entries"
    __table_args__ = (
        CheckConstraint("activity <> ''", name="activity_not_empty"),
        CheckConstraint("hours > 0 AND hours <= 24", name="hours_range"),
        Index("ix_learning_log_entries_enrolment_date", "enrolment_id", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"))
    entry_date: Mapped[date] = mapped_column(Date)
    activity: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float] = mapped_column(Float)
    reflection: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    comments: Mapped[list[LearningLogComment]] = relationship(
        back_populates="entry", order_by="LearningLogComment.created_at, LearningLogComment.id"
    )


class LearningLogComment(Model):
    """A facilitator's comment on a learning log entry."""

    __tablename__ = "learning_log_comments"
    __table_args__ = (
        CheckConstraint("body <> ''", name="body_not_empty"),
        Index("ix_learning_log_comments_entry_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("learning_log_entries.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[LearningLogEntry] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="assessments",
        columns=("enrolment_id", "level", "evidence", "evidence_link", "assessed_by_id"),
        purpose="Your skill levels at each checkpoint, by you and your facilitator, for your progress and the cohort's figures.",
        retention="personal_details",
        subject=("enrolment:enrolment_id", "user:assessed_by_id"),
        description="One row per skill assessed at each checkpoint.",
    ),
    PersonalData(
        table="learning_log_entries",
        columns=("enrolment_id", "entry_date", "activity", "hours", "reflection", "link"),
        purpose="Your learning log: what you did, for how long, and what you learnt.",
        retention="learning_log_text",
        subject=("enrolment:enrolment_id",),
        description="One row per learning-log entry.",
    ),
    PersonalData(
        table="learning_log_comments",
        columns=("author_id", "body"),
        purpose="Facilitators' comments on your learning log.",
        retention="learning_log_text",
        subject=("via:learning_log_entry", "user:author_id"),
        description="Comments on your learning-log entries (and comments you wrote).",
    ),
)
NOT_PERSONAL = (
    NotPersonal("skills", "name", "A skill's name in the framework."),
    NotPersonal("skills", "description", "What the skill means, from the framework."),
    NotPersonal("skills", "category", "A group of skills in the framework."),
)
