"""Sponsoring departments and the other names their spreadsheets use for them."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model


class Department(Model):
    __tablename__ = "departments"
    __table_args__ = (
        CheckConstraint("code <> ''", name="code_not_empty"),
        CheckConstraint("name <> ''", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    aliases: Mapped[list[DepartmentAlias]] = relationship(
        back_populates="department",
        cascade="all, delete-orphan",
        order_by="DepartmentAlias.alias",
    )

    @property
    def alias_names(self) -> list[str]:
        return [a.alias for a in self.aliases]

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class DepartmentAlias(Model):
    """Another name for a department ("MoJ" for MOJ). Matched case-insensitively,
    so the lower-cased form is what must be unique across all departments."""

    __tablename__ = "department_aliases"
    __table_args__ = (CheckConstraint("alias_key = lower(alias_key)", name="alias_key_lower"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(120))
    alias_key: Mapped[str] = mapped_column(String(120), unique=True)

    department: Mapped[Department] = relationship(back_populates="aliases")


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA: tuple[PersonalData, ...] = ()
NOT_PERSONAL = (
    NotPersonal("departments", "name", "A government department's name."),
    NotPersonal("department_aliases", "alias_key", "The alias folded for matching."),
    NotPersonal("department_aliases", "alias", "Another spelling of a department's name."),
)
