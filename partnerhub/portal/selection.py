"""The accounts a partner selected on *My accounts*, for an action of the selection bar.

A bar's form posts either the ``account`` checkboxes ticked on the page, or ``all_matching``
with the parameters of the filtered view (``q``, ``type``, ``status``, ``level``, ``sort``).
``selected_account_ids`` turns either into the ids of the partner's accounts, in the view's
order, at most ``SELECTION_MAX`` of them; every action of the bar calls it.
"""

import dataclasses
from dataclasses import dataclass, field

from partnerhub.clients import selectors as account_selectors

SELECTION_MAX = 500


@dataclass(frozen=True)
class Selection:
    account_ids: list[int] = field(default_factory=list)
    # Set when the selection cannot be acted on; a sentence for the page.
    error: str = ""
    all_matching: bool = False
    # The filtered view's parameters (for "all matching"), to keep in the next form.
    view_params: list[tuple[str, str]] = field(default_factory=list)


_VIEW_PARAMS = account_selectors.FILTER_PARAMS


def selected_account_ids(
    data, *, partner_id: int, visible_to: int | None = None, limit: int | None = None
) -> Selection:
    """The selection in ``data`` (a QueryDict), at most ``limit`` accounts (``SELECTION_MAX``).
    Ids that are not numbers are dropped; ids of accounts outside the partnership (or outside
    what a member restricted to ``visible_to``'s assignments sees) are kept, for the action's
    service to say they are not found, and so are repeats, once. "All matching" is the view
    as the member sees it."""
    limit = limit or SELECTION_MAX
    if data.get("all_matching"):
        params = [(k, data[k]) for k in _VIEW_PARAMS if data.get(k)]
        query = account_selectors.parse_account_list_query(dict(params))
        query = dataclasses.replace(query, visible_to=visible_to)
        if query.errors:
            return Selection(error=" ".join(query.errors), all_matching=True)
        total = account_selectors.partner_accounts_count(partner_id=partner_id, query=query)
        if total > limit:
            return Selection(
                error=f"{total:,} accounts match this filter; one action can take at most "
                f"{limit}. Narrow the filter (for example by type or status) and try again.",
                all_matching=True,
                view_params=params,
            )
        ids = account_selectors.partner_account_ids(partner_id=partner_id, query=query, limit=limit)
        return Selection(account_ids=ids, all_matching=True, view_params=params)
    ids: list[int] = []
    for value in data.getlist("account"):
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    if not ids:
        return Selection(error="Select at least one account first.")
    if len(ids) > limit:
        return Selection(
            error=f"You selected {len(ids):,} accounts; one action can take at most {limit}."
        )
    return Selection(account_ids=ids)
