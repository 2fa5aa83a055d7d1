"""The brand kit's fields, what each may hold, and how an account's effective kit is decided.

Plain values in, plain values out: no database. A kit is kept at the organization, optionally
at a group (and a subgroup inside it) and at an account. ``effective_kit`` walks those levels
from the top: a field locked at some level takes the value set at that level or above it (the
lowest of them); an open field takes the lowest value set anywhere; a field set nowhere takes
its default."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

FIELDS = (
    "logo",
    "primary_color",
    "accent_color",
    "heading_font",
    "body_font",
    "footer_address",
    "social_links",
    "email_footer",
)
FIELD_LABELS = {
    "logo": "Logo",
    "primary_color": "Primary colour",
    "accent_color": "Accent colour",
    "heading_font": "Heading font",
    "body_font": "Body font",
    "footer_address": "Footer address",
    "social_links": "Social links",
    "email_footer": "E-mail footer text",
}

# E-mail-safe font stacks: fonts every mail client has, with fallbacks.
FONT_STACKS = {
    "arial": ("Arial", "Arial, Helvetica, sans-serif"),
    "helvetica": ("Helvetica", "Helvetica, Arial, sans-serif"),
    "verdana": ("Verdana", "Verdana, Geneva, sans-serif"),
    "tahoma": ("Tahoma", "Tahoma, Verdana, Segoe, sans-serif"),
    "trebuchet": ("Trebuchet MS", "'Trebuchet MS', Helvetica, sans-serif"),
    "georgia": ("Georgia", "Georgia, 'Times New Roman', Times, serif"),
    "times": ("Times New Roman", "'Times New Roman', Times, serif"),
    "courier": ("Courier New", "'Courier New', Courier, monospace"),
}
FONT_CHOICES = [(key, label) for key, (label, _) in FONT_STACKS.items()]

# The networks a kit may link to, and the hosts their pages live on.
SOCIAL_NETWORKS = {
    "facebook": ("Facebook", ("facebook.com",)),
    "instagram": ("Instagram", ("instagram.com",)),
    "linkedin": ("LinkedIn", ("linkedin.com",)),
    "x": ("X", ("x.com", "twitter.com")),
    "youtube": ("YouTube", ("youtube.com",)),
    "tiktok": ("TikTok", ("tiktok.com",)),
}
SOCIAL_URL_MAX = 200
FOOTER_ADDRESS_MAX = 300
FOOTER_ADDRESS_LINES = 5
EMAIL_FOOTER_MAX = 500

DEFAULTS = {
    "logo": "",
    "primary_color": "#1f4e79",
    "accent_color": "#e8a33d",
    "heading_font": "helvetica",
    "body_font": "arial",
    "footer_address": "",
    "social_links": {},
    "email_footer": "",
}

ORGANIZATION, GROUP, ACCOUNT, DEFAULT = "organization", "group", "account", "default"

_COLOR = re.compile(r"^#[0-9a-f]{6}$")


def is_unset(value) -> bool:
    return value in ("", None, {})


def clean_color(value: str) -> str:
    value = (value or "").strip().lower()
    if value and not _COLOR.match(value):
        raise ValidationError("Write a colour as # and six hexadecimal digits, e.g. #1f4e79.")
    return value


def clean_font(value: str) -> str:
    value = (value or "").strip()
    if value and value not in FONT_STACKS:
        raise ValidationError("Choose one of the listed fonts.")
    return value


def clean_footer_address(value: str) -> str:
    lines = [" ".join(line.split()) for line in (value or "").replace("\r", "").split("\n")]
    lines = [line for line in lines if line]
    if len(lines) > FOOTER_ADDRESS_LINES:
        raise ValidationError(f"An address has at most {FOOTER_ADDRESS_LINES} lines.")
    text = "\n".join(lines)
    if len(text) > FOOTER_ADDRESS_MAX:
        raise ValidationError(f"An address has at most {FOOTER_ADDRESS_MAX} characters.")
    return text


def clean_email_footer(value: str) -> str:
    text = "\n".join(line.rstrip() for line in (value or "").replace("\r", "").split("\n")).strip()
    if len(text) > EMAIL_FOOTER_MAX:
        raise ValidationError(f"The footer text has at most {EMAIL_FOOTER_MAX} characters.")
    if any(ord(ch) < 32 and ch != "\n" for ch in text):
        raise ValidationError("The footer text is plain text: no control characters.")
    return text


def clean_social_url(network: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    label, hosts = SOCIAL_NETWORKS[network]
    if len(value) > SOCIAL_URL_MAX:
        raise ValidationError(f"A link has at most {SOCIAL_URL_MAX} characters.")
    URLValidator(schemes=["https"], message=f"Give the {label} page as an https:// address.")(value)
    host = (urlsplit(value).hostname or "").lower()
    if not any(host == h or host.endswith("." + h) for h in hosts):
        raise ValidationError(f"A {label} link is an address on {' or '.join(hosts)}.")
    return value


def clean_social_links(value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError("Social links are a network and its https:// address.")
    unknown = sorted(set(value) - set(SOCIAL_NETWORKS))
    if unknown:
        raise ValidationError(f"Unknown networks: {', '.join(unknown)}.")
    cleaned = {}
    for network in SOCIAL_NETWORKS:
        url = value.get(network, "")
        if not isinstance(url, str):
            raise ValidationError(f"The {SOCIAL_NETWORKS[network][0]} link is an address.")
        url = clean_social_url(network, url)
        if url:
            cleaned[network] = url
    return cleaned


CLEANERS = {
    "primary_color": clean_color,
    "accent_color": clean_color,
    "heading_font": clean_font,
    "body_font": clean_font,
    "footer_address": clean_footer_address,
    "social_links": clean_social_links,
    "email_footer": clean_email_footer,
}


def clean_values(values: dict) -> dict:
    """The given fields (the logo aside), cleaned; ``ValidationError`` with a dict of messages
    by field when any is wrong."""
    cleaned, errors = {}, {}
    for name, value in values.items():
        if name not in CLEANERS:
            errors[name] = ["Not a field of the brand kit."]
            continue
        try:
            cleaned[name] = CLEANERS[name](value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass(frozen=True)
class Level:
    """One level's kit as the rule reads it: where it is, what it sets, what it locks."""

    source: str  # organization, group or account
    values: dict
    locked: frozenset = frozenset()
    ref: int | None = None  # the group's or account's id
    kit: int | None = None  # the kit's own id


@dataclass(frozen=True)
class EffectiveField:
    value: object
    source: str  # organization, group, account or default
    locked: bool  # a level above the account locks it: the account cannot set its own
    ref: int | None = None  # the group whose value it is, when it is a group's
    locked_by: str = ""  # organization or group, when locked
    kit: int | None = None  # the kit the value comes from (None for a default)


def effective_field(name: str, levels: list[Level]) -> EffectiveField:
    """``levels`` from the top (the organization) down (the account)."""
    cut = len(levels)
    locked_by = ""
    for i, level in enumerate(levels):
        if name in level.locked and level.source != ACCOUNT:
            cut, locked_by = i + 1, level.source
            break
    for level in reversed(levels[:cut]):
        value = level.values.get(name)
        if not is_unset(value):
            return EffectiveField(
                value, level.source, bool(locked_by), level.ref, locked_by, level.kit
            )
    return EffectiveField(DEFAULTS[name], DEFAULT, bool(locked_by), None, locked_by)


def effective_kit(levels: list[Level]) -> dict[str, EffectiveField]:
    return {name: effective_field(name, levels) for name in FIELDS}


def locked_above(name: str, levels: list[Level]) -> str:
    """The level (organization or group) that locks ``name`` for whatever sits below
    ``levels``, or ""."""
    for level in levels:
        if name in level.locked:
            return level.source
    return ""
