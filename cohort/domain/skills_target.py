"""Skills at target (docs/rules.md §5.1), for the completion engine (cohort.domain.completion,
which re-exports these names). Plain values only."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from cohort.domain.attendance import threshold

Share = float | Fraction | Decimal | str


def at_target(level: int | None, target: int) -> bool:
    """A skill never assessed (None) is not at target."""
    return level is not None and level >= target


@dataclass(frozen=True)
class SkillsAtTarget:
    """How many of the cohort's skills are at or above target (latest facilitator level)."""

    met: int
    total: int

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.met, self.total) if self.total else None

    def needed(self, share: Share) -> int:
        """How many skills the threshold asks for: 1.0 of 8 → 8, 0.75 of 8 → 6, 0.7 of 8 → 6."""
        return math.ceil(threshold(share) * self.total)

    def holds(self, share: Share) -> bool:
        return self.met >= self.needed(share)


def skills_at_target(latest_levels: Mapping[int, int | None], targets: Mapping[int, int]) -> SkillsAtTarget:
    """Count over the cohort's skills (`targets`: skill id → target); `latest_levels`: skill id → level."""
    met = sum(1 for skill_id, target in targets.items() if at_target(latest_levels.get(skill_id), target))
    return SkillsAtTarget(met, len(targets))
