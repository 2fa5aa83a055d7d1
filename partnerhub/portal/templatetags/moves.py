"""The customer's parts of *Your solution provider* that concern moves and request codes:
``{% load moves %}{% customer_moves a %}`` (a move waiting for the owner's answer) and
``{% customer_request_code a %}`` (the request-code setting, and the moves they confirmed)."""

from django import template

from partnerhub.moves import selectors
from partnerhub.moves.services import move_terms

register = template.Library()


@register.inclusion_tag("moves/_customer_moves.html", takes_context=True)
def customer_moves(context, account):
    move = selectors.pending_move_for(account_id=account.pk)
    current = account.partner.name if account.partner_id else ""
    return {
        "a": account,
        "move": move,
        "terms": move_terms(move, current_partner_name=current) if move else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("moves/_customer_request_code.html", takes_context=True)
def customer_request_code(context, account):
    return {
        "a": account,
        "code": selectors.request_code_for(account_id=account.pk),
        "move_consents": list(selectors.move_consents(account_id=account.pk)),
        "csrf_token": context.get("csrf_token"),
    }
