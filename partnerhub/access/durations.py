"""How long a grant lasts: the choices a partner asks from, and the default."""

from django.conf import settings

# Days a grant may last; ``None`` is "until the customer turns it off".
DURATION_DAYS: tuple[int, ...] = (30, 90, 180, 365, 730)
UNTIL_TURNED_OFF_LABEL = "Until the customer turns it off"

# A grant is warned about this many days before it ends, both sides, once each.
WARNING_DAYS: tuple[int, ...] = (30, 7, 1)


def duration_label(days: int | None) -> str:
    if days is None:
        return UNTIL_TURNED_OFF_LABEL
    if days % 365 == 0:
        years = days // 365
        return f"{days} days ({years} year{'s' if years > 1 else ''})"
    return f"{days} days"


def duration_choices() -> list[tuple[str, str]]:
    """(form value, label) pairs; the empty value is "until the customer turns it off"."""
    return [(str(days), duration_label(days)) for days in DURATION_DAYS] + [
        ("", UNTIL_TURNED_OFF_LABEL)
    ]


def default_duration() -> int | None:
    return settings.PARTNERHUB_ACCESS_DEFAULT_DURATION_DAYS


def is_valid(days: int | None) -> bool:
    return days is None or days in DURATION_DAYS


def parse(value: str | None) -> int | None:
    """A submitted duration: "" or "none" is until turned off; else one of ``DURATION_DAYS``.
    Raises ``ValueError`` for anything else."""
    value = (value or "").strip().lower()
    if value in ("", "none"):
        return None
    days = int(value) if value.isdigit() else -1
    if days not in DURATION_DAYS:
        raise ValueError(value)
    return days


def warning_due(*, remaining_days: float, duration_days: int) -> int | None:
    """The warning (days before the end) due when ``remaining_days`` are left of a grant of
    ``duration_days``: the nearest threshold reached; thresholds as long as the grant itself
    are skipped (a 30-day grant is not warned on its first day)."""
    due = [d for d in WARNING_DAYS if d < duration_days and remaining_days <= d]
    return min(due) if due else None
