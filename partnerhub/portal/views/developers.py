"""My Organization › API keys and Webhooks, for owners and admins."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.api.keys import api_key_create, api_key_revoke
from partnerhub.api.models import ApiKey
from partnerhub.core.errors import NotFound, ServiceError
from partnerhub.core.text import TextField
from partnerhub.portal.auth import team_manager_required
from partnerhub.portal.views.common import sentence
from partnerhub.v3.credentials import partner_v3_clients, v3_client_create, v3_client_revoke
from partnerhub.webhooks import services as webhooks
from partnerhub.webhooks.catalog import ALL_EVENTS
from partnerhub.webhooks.models import WebhookEndpoint


class ApiKeyForm(forms.Form):
    name = TextField(label="Name", max_length=100, help_text="What uses it, e.g. “CRM sync”.")
    scope = forms.ChoiceField(
        label="Scope",
        choices=[
            ("read", "Read: list and read"),
            ("write", "Read and write: also request and cancel"),
        ],
        initial="read",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        coerce=int,
        choices=[(0, "Never"), (30, "In 30 days"), (90, "In 90 days"), (365, "In a year")],
        initial=90,
    )


class V3ClientForm(forms.Form):
    v3_name = TextField(
        label="Name", max_length=100, help_text="The integration, e.g. “Reseller billing tool”."
    )


@team_manager_required("manage API keys")
def api_keys(request):
    partner = request.membership.partner
    is_v3 = request.method == "POST" and "v3_name" in request.POST
    form = ApiKeyForm(request.POST if request.method == "POST" and not is_v3 else None)
    v3_form = V3ClientForm(request.POST if is_v3 else None)
    new_secret = new_v3 = None
    if is_v3 and v3_form.is_valid():
        try:
            client, client_secret, x_api_key = v3_client_create(
                actor=request.user, name=v3_form.cleaned_data["v3_name"]
            )
        except ServiceError as error:
            v3_form.add_error(None, sentence(error.message))
        else:
            v3_form = V3ClientForm()
            new_v3 = {
                "client_id": client.client_id,
                "client_secret": client_secret,
                "api_key": x_api_key,
            }
            messages.success(
                request,
                f"V3 credentials “{client.name}” created. Copy them now: they are shown only once.",
            )
    elif request.method == "POST" and not is_v3 and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            key, new_secret = api_key_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                can_write=form.cleaned_data["scope"] == "write",
                expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
            )
        except ServiceError as error:
            form.add_error(None, sentence(error.message))
        else:
            form = ApiKeyForm()
            messages.success(
                request, f"Key “{key.name}” created. Copy the secret now: it is shown only once."
            )
    keys = ApiKey.objects.filter(partner=partner).select_related("created_by")
    return render(
        request,
        "portal/api_keys.html",
        {
            "form": form,
            "keys": keys,
            "new_secret": new_secret,
            "v3_form": v3_form,
            "v3_clients": partner_v3_clients(partner_id=partner.pk),
            "new_v3": new_v3,
            "now": timezone.now(),
            "nav_section": "api",
        },
    )


@team_manager_required("manage API keys")
@require_POST
def v3_client_revoke_view(request, client_id: int):
    try:
        client = v3_client_revoke(actor=request.user, client_id=client_id)
    except NotFound:
        raise Http404("no such credentials") from None
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(
            request, f"V3 credentials “{client.name}” revoked; their tokens stop working at once."
        )
    return redirect("partner-api-keys")


@team_manager_required("manage API keys")
@require_POST
def api_key_revoke_view(request, key_id: int):
    try:
        key = api_key_revoke(actor=request.user, key_id=key_id)
    except NotFound:
        raise Http404("no such key") from None
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(request, f"Key “{key.name}” revoked; it stops working at once.")
    return redirect("partner-api-keys")


class EndpointForm(forms.Form):
    # Checked by the webhook guard alone, so the page says exactly what the API would.
    url = forms.CharField(
        label="URL", max_length=512, widget=forms.URLInput(attrs={"data-maxlength": "512"})
    )
    description = TextField(label="Description", max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=list(ALL_EVENTS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every event.",
    )


@team_manager_required("manage webhooks")
def webhooks_page(request):
    partner = request.membership.partner
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.endpoint_create(
                actor=request.user,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
            )
        except ServiceError as error:
            form.add_error("url", sentence(error.message))
        else:
            messages.success(request, "Endpoint added. Its signing secret is on its page.")
            return redirect("partner-webhook", endpoint_id=endpoint.pk)
    endpoints = WebhookEndpoint.objects.filter(partner=partner)
    return render(
        request,
        "portal/webhooks.html",
        {"form": form, "endpoints": endpoints, "nav_section": "webhooks"},
    )


def _endpoint(request, endpoint_id: int) -> WebhookEndpoint:
    found = WebhookEndpoint.objects.filter(
        pk=endpoint_id, partner=request.membership.partner
    ).first()
    if found is None:
        raise Http404("no such endpoint")
    return found


@team_manager_required("manage webhooks")
def webhook_detail(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    deliveries = endpoint.deliveries.select_related("event").prefetch_related("attempt_log")[:50]
    return render(
        request,
        "portal/webhook_detail.html",
        {"e": endpoint, "deliveries": deliveries, "events": ALL_EVENTS, "nav_section": "webhooks"},
    )


@team_manager_required("manage webhooks")
@require_POST
def webhook_action(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    action = request.POST.get("action")
    try:
        if action == "test":
            webhooks.endpoint_send_test(actor=request.user, endpoint_id=endpoint.pk)
            messages.success(request, "Test event queued; it appears in the delivery log.")
        elif action == "rotate":
            webhooks.endpoint_rotate_secret(actor=request.user, endpoint_id=endpoint.pk)
            messages.success(
                request, "New secret made. The old one keeps signing beside it for 24 hours."
            )
        elif action in ("enable", "disable"):
            webhooks.endpoint_update(
                actor=request.user, endpoint_id=endpoint.pk, enabled=action == "enable"
            )
            messages.success(
                request, "Endpoint enabled." if action == "enable" else "Endpoint disabled."
            )
        elif action == "delete":
            webhooks.endpoint_delete(actor=request.user, endpoint_id=endpoint.pk)
            messages.success(request, "Endpoint removed.")
            return redirect("partner-webhooks")
        elif action == "replay":
            webhooks.delivery_replay(
                actor=request.user, delivery_id=int(request.POST.get("delivery_id") or 0)
            )
            messages.success(request, "Delivery queued again.")
        else:
            messages.error(request, "Unknown action.")
    except (ServiceError, ValueError) as error:
        messages.error(request, sentence(getattr(error, "message", str(error))))
    return redirect("partner-webhook", endpoint_id=endpoint.pk)
