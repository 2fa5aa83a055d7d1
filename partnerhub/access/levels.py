"""How much a partner may do in a client account it manages: one table, shown to both sides.

A customer grants one level. ``permits`` answers whether that level allows an operation; every
surface that acts on a managed account on the partner's behalf asks it.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models


class AccessLevel(models.TextChoices):
    FULL = "full", "Full access"
    MARKETING = "marketing", "Marketing"
    REPORTS = "reports", "Reports only"


class Operation(StrEnum):
    READ = "read"  # see the account, its reports and its settings
    MARKETING = "marketing"  # change campaigns and contacts
    BILLING = "billing"  # change the plan, cancel, billing details
    USERS = "users"  # add or remove the account's users


@dataclass(frozen=True)
class Level:
    level: AccessLevel
    rank: int
    sentence: str
    permits: frozenset[Operation]

    @property
    def label(self) -> str:
        return self.level.label


LEVELS: dict[str, Level] = {
    AccessLevel.FULL: Level(
        AccessLevel.FULL,
        3,
        "Everything in the account, including billing and users.",
        frozenset(Operation),
    ),
    AccessLevel.MARKETING: Level(
        AccessLevel.MARKETING,
        2,
        "Campaigns, contacts and reports; no billing and no users.",
        frozenset({Operation.READ, Operation.MARKETING}),
    ),
    AccessLevel.REPORTS: Level(
        AccessLevel.REPORTS,
        1,
        "Read only: reports and settings can be seen, nothing can be changed.",
        frozenset({Operation.READ}),
    ),
}

DEFAULT_LEVEL = AccessLevel.FULL

# How a sentence names what a level gives: "You have full access to this account."
_WORDS = {
    AccessLevel.FULL: "full access",
    AccessLevel.MARKETING: "marketing access",
    AccessLevel.REPORTS: "read-only access",
}


def level_words(level: str) -> str:
    return _WORDS[level]


def level_info(level: str) -> Level:
    return LEVELS[level]


def permits(level: str | None, operation: Operation) -> bool:
    """Whether a grant of ``level`` allows ``operation``. No level (not managed): nothing."""
    if not level:
        return False
    return operation in LEVELS[level].permits


def within(level: str, ceiling: str) -> bool:
    """Whether ``level`` is ``ceiling`` or lower (a customer may grant less than was asked)."""
    return LEVELS[level].rank <= LEVELS[ceiling].rank


def levels_up_to(ceiling: str) -> list[Level]:
    """The levels a customer may choose when ``ceiling`` was asked, highest first."""
    return sorted(
        (info for info in LEVELS.values() if info.rank <= LEVELS[ceiling].rank),
        key=lambda info: -info.rank,
    )
