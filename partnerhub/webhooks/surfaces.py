"""Compatible surfaces hook into webhooks here, so that the domain only ever emits its own
events and this app never names another API's concepts.

A surface registers the event types it adds, a ``derive`` function that turns one native event
into the surface's events (none, one or more: each is recorded and delivered as an event of its
own, after the native one), and a ``body`` function that writes the request body for an
endpoint of its own (``None`` for endpoints that are not). Endpoints a surface does not claim
get the Standard Webhooks envelope; every delivery carries the signature headers.
"""

from collections.abc import Callable
from dataclasses import dataclass

from partnerhub.webhooks.catalog import ALL_EVENTS, NATIVE_EVENTS


@dataclass(frozen=True)
class Surface:
    name: str
    events: dict[str, str]  # event type -> what it means
    derive: Callable[[str, dict], list[tuple[str, dict]]]
    body: Callable[[object, object], str | None]  # (endpoint, event) -> body or None


_SURFACES: dict[str, Surface] = {}


def surface_register(surface: Surface) -> None:
    """Register ``surface`` (again, harmlessly: app loading may run twice in tests)."""
    clash = set(surface.events) & set(NATIVE_EVENTS)
    if clash:
        raise ValueError(f"surface {surface.name} redefines native events: {sorted(clash)}")
    _SURFACES[surface.name] = surface
    ALL_EVENTS.update(surface.events)


def derived_events(event_type: str, data: dict) -> list[tuple[str, dict]]:
    if event_type not in NATIVE_EVENTS:
        return []
    return [pair for s in _SURFACES.values() for pair in s.derive(event_type, data)]


def surface_body(endpoint, event) -> str | None:
    for surface in _SURFACES.values():
        body = surface.body(endpoint, event)
        if body is not None:
            return body
    return None
