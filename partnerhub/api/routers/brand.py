"""Brand kits: the effective kit the email product applies to an account, and the
organization's and its groups' kits for an organization's own tools."""

import base64
import binascii

from django.http import HttpResponse
from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field

from partnerhub.api.errors import ApiError
from partnerhub.api.routers.accounts import ERRORS, _account, require_write
from partnerhub.api.schemas import ErrorOut
from partnerhub.brand import rules
from partnerhub.brand import selectors as brand_selectors
from partnerhub.brand.logos import logo_response
from partnerhub.brand.models import BrandKit
from partnerhub.brand.services import BrandInvalid, brand_kit_save
from partnerhub.organizations.models import AccountGroup

router = Router(tags=["brand"])

SOURCE_DESCRIPTION = "organization, group, account or default"


class EffectiveFieldOut(Schema):
    value: str | dict | None = Field(
        description="The field's value; for the logo, the URL it is served at (send the key)"
    )
    source: str = Field(description="Where the value comes from: " + SOURCE_DESCRIPTION)
    locked: bool = Field(description="Locked by the organization or a group: the account keeps it")


class EffectiveBrandOut(Schema):
    encoded_account_id: str
    logo_url: str | None = Field(description="The logo, served to this API's keys; null: none")
    fields: dict[str, EffectiveFieldOut]


class KitOut(Schema):
    level: str = Field(description="organization or group")
    group_id: int | None
    group_name: str | None
    values: dict[str, str | dict | None] = Field(
        description="What this kit sets (empty: inherited); the logo as its URL"
    )
    locked: list[str] = Field(description="The fields locked for everything below this kit")
    logo_url: str | None


class KitIn(Schema):
    """Only the fields sent change; an empty string (or ``{}`` for social links) unsets one."""

    primary_color: str | None = Field(None, max_length=7, description="#rrggbb")
    accent_color: str | None = Field(None, max_length=7, description="#rrggbb")
    heading_font: str | None = Field(None, max_length=20, description=", ".join(rules.FONT_STACKS))
    body_font: str | None = Field(None, max_length=20, description=", ".join(rules.FONT_STACKS))
    footer_address: str | None = Field(None, max_length=1000)
    social_links: dict[str, str] | None = Field(
        None, description="Network (" + ", ".join(rules.SOCIAL_NETWORKS) + ") to https URL"
    )
    email_footer: str | None = Field(None, max_length=2000)
    locked: list[str] | None = Field(
        None, max_length=len(rules.FIELDS), description="All the fields to lock (replaces the list)"
    )
    logo_base64: str | None = Field(
        None,
        max_length=1_500_000,
        description="A PNG, JPEG, WebP or GIF (at most 1 MiB, 2000×2000 px), base64-encoded",
    )
    logo_remove: bool = False


def _partner(request):
    """The key's *My Organization*. An agency keeps no brand kit: it reads empty kits (its
    accounts have the defaults) and its changes are refused by the service."""
    return request.auth.partner


def _logo_url(request, kit_id: int | None) -> str | None:
    if kit_id is None:
        return None
    return request.build_absolute_uri(reverse("api-v1:brand_logo", args=[kit_id]))


@router.get(
    "/accounts/{account_id:encoded_account_id}/brand",
    response={200: EffectiveBrandOut, **ERRORS},
    summary="An account's effective brand kit",
)
def account_brand(request, encoded_account_id: str):
    """Each field of the kit the account's e-mails carry: its value, where it comes from and
    whether the organization (or a group) locks it. The logo's URL answers to this API's
    keys (``Authorization: Bearer``) with the image. An agency's accounts have the defaults."""
    account = _account(request, encoded_account_id)
    kit = brand_selectors.effective_brand(account=account)
    logo = kit["logo"]
    logo_url = _logo_url(request, logo.kit) if logo.value else None
    fields = {}
    for name, field in kit.items():
        value = logo_url if name == "logo" else field.value
        fields[name] = {"value": value, "source": field.source, "locked": field.locked}
    return {
        "encoded_account_id": account.encoded_account_id,
        "logo_url": logo_url,
        "fields": fields,
    }


def _kit_out(request, kit: BrandKit | None, group: AccountGroup | None) -> dict:
    empty = {n: ({} if n == "social_links" else "") for n in rules.FIELDS}
    values = kit.values() if kit else empty
    logo_url = _logo_url(request, kit.pk) if kit and kit.logo else None
    values["logo"] = logo_url
    return {
        "level": "group" if group else "organization",
        "group_id": group.pk if group else None,
        "group_name": group.path if group else None,
        "values": values,
        "locked": list(kit.locked) if kit else [],
        "logo_url": logo_url,
    }


def _save(request, body: KitIn, group: AccountGroup | None):
    require_write(request)
    partner = _partner(request)
    sent = body.model_dump(exclude_unset=True)
    values = {n: sent[n] for n in rules.FIELDS if n in sent and n != "logo" and sent[n] is not None}
    logo = None
    if body.logo_base64:
        try:
            logo = base64.b64decode(body.logo_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(422, "brand_invalid", "logo_base64 is not base64") from None
    try:
        change = brand_kit_save(
            actor=request.auth.created_by,
            partner=partner,
            group=group,
            values=values,
            locked=body.locked,
            logo=logo,
            logo_remove=body.logo_remove,
        )
    except BrandInvalid as error:
        raise ApiError(422, error.code, error.message, {"fields": error.errors}) from None
    return _kit_out(request, change.kit, group)


@router.get("/brand", response={200: KitOut, **ERRORS}, summary="The organization's brand kit")
def organization_brand(request):
    partner = _partner(request)
    return _kit_out(request, brand_selectors.organization_kit(partner_id=partner.pk), None)


@router.put(
    "/brand", response={200: KitOut, **ERRORS}, summary="Change the organization's brand kit"
)
def organization_brand_put(request, body: KitIn):
    """Needs the write scope, and a key made by an owner or an admin."""
    return _save(request, body, None)


def _group(request, group_id: int) -> AccountGroup:
    partner = _partner(request)
    group = (
        AccountGroup.objects.select_related("parent").filter(pk=group_id, partner=partner).first()
    )
    if group is None:
        raise ApiError(404, "not_found", "no such group")
    return group


@router.get(
    "/groups/{group_id}/brand", response={200: KitOut, **ERRORS}, summary="A group's brand kit"
)
def group_brand(request, group_id: int):
    group = _group(request, group_id)
    return _kit_out(request, BrandKit.objects.filter(group=group).first(), group)


@router.put(
    "/groups/{group_id}/brand",
    response={200: KitOut, **ERRORS},
    summary="Change a group's brand kit",
)
def group_brand_put(request, group_id: int, body: KitIn):
    """Needs the write scope, and a key made by an owner or an admin."""
    return _save(request, body, _group(request, group_id))


@router.get(
    "/brand/logos/{kit_id}",
    response={200: None, 404: ErrorOut, 401: ErrorOut},
    url_name="brand_logo",
    # An image, not JSON: named by the logo URLs of the brand answers.
    include_in_schema=False,
    summary="A brand kit's logo",
)
def brand_logo(request, kit_id: int):
    """The image itself, for the organization's keys."""
    kit = BrandKit.objects.filter(pk=kit_id, partner_id=request.auth.partner_id).first()
    if kit is None or not kit.logo:
        raise ApiError(404, "not_found", "no such logo")
    response: HttpResponse = logo_response(kit)
    return response
