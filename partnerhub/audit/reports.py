"""An account's timeline in words, for its page and as CSV: what happened, when, who did it
(a person, or a person through an API key or V3 credentials, by the key's name) and for which
partner."""

import datetime as dt
from collections.abc import Iterable, Iterator

from partnerhub.audit.models import AuditEvent
from partnerhub.core import csvfiles
from partnerhub.core.timefmt import format_date

TIMELINE_CSV_COLUMNS = ["at", "event", "what_happened", "by", "partner", "details"]


def _date_text(value: str) -> str:
    try:
        return format_date(dt.date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


def timeline_details(event: AuditEvent) -> str:
    """The facts of one entry beyond its label, as one line ("" when there are none)."""
    after, before = event.after or {}, event.before or {}
    parts = []
    if after.get("moved_on"):
        parts.append(f"In the partnership from {_date_text(after['moved_on'])}")
    if after.get("member_name"):
        parts.append(f"Team member: {after['member_name']}")
    if after.get("plan_type") and before.get("plan_type"):
        parts.append(f"Plan {before['plan_type']} → {after['plan_type']}")
    if after.get("reason"):
        parts.append(f"Reason: {after['reason']}")
    if after.get("message"):
        parts.append(f"Message: “{after['message']}”")
    return "; ".join(parts)


def timeline_csv(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The entries as CSV text, streamed a few hundred rows at a time."""
    rows = (
        (
            e.at,
            e.action,
            e.label,
            e.actor_label,
            e.partner.name if e.partner_id else "",
            timeline_details(e),
        )
        for e in events
    )
    return csvfiles.stream(TIMELINE_CSV_COLUMNS, rows)
