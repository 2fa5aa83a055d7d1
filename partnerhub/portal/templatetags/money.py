from django import template

from partnerhub.earnings.rules import format_minor

register = template.Library()


@register.filter
def money(amount_minor, currency: str = "") -> str:
    """12345, "USD" → "123.45 USD"."""
    if amount_minor in (None, ""):
        return ""
    return format_minor(int(amount_minor), currency)
