"""Bringing accounts in: the partner's invite link and move form, the public sign-up through
an invite link, and the customer's answers to moves and their request code."""

import io

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from partnerhub.access.levels import LEVELS, AccessLevel
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core import ratelimit
from partnerhub.core.errors import NotFound, ServiceError
from partnerhub.moves import selectors
from partnerhub.moves.services import (
    ASKED,
    LOGIN_NAME_MAX,
    LOGIN_NAME_MIN,
    SignUp,
    invite_code_regenerate,
    invite_signup,
    move_request_confirm,
    move_request_create,
    move_request_decline,
    partner_for_invite_code,
    request_code_regenerate,
    request_code_set,
)
from partnerhub.portal.auth import client_ip, partner_member_required, user_agent
from partnerhub.portal.views.common import sentence
from partnerhub.portal.views.invitations import PASSWORD_HELP

# --- the partner's side --------------------------------------------------------------------


def invite_url(request, partner) -> str:
    path = reverse("join", kwargs={"code": partner.invite_code})
    base = settings.PARTNERHUB_BASE_URL.rstrip("/")
    return base + path if base else request.build_absolute_uri(path)


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an inline SVG, sized by the stylesheet."""
    out = io.BytesIO()
    segno.make(text, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        border=2,
        svgclass="qr-code",
        lineclass="qr-line",
        title="QR code of your invite link",
    )
    return mark_safe(out.getvalue().decode())  # noqa: S308  (segno's own markup, no input)


LEVEL_OPTIONS = [(level.value, level.label, LEVELS[level].sentence) for level in AccessLevel]


def _moves_context(request, **extra) -> dict:
    partner = request.membership.partner
    url = invite_url(request, partner)
    return {
        "moves": selectors.partner_moves(partner_id=partner.pk),
        "levels": LEVEL_OPTIONS,
        "invite_url": url,
        "qr": qr_svg(url),
        "can_regenerate": request.membership.can_manage_team,
        "form": {"identifier": "", "kind": PartnershipKind.REFERRED, "level": AccessLevel.FULL},
        "nav_section": "bring_in",
        **extra,
    }


@partner_member_required
@require_http_methods(["GET", "POST"])
def bring_in(request):
    """Bring an account in: the invite link for new customers, and a move for existing ones."""
    if request.method == "GET":
        return render(request, "moves/bring_in.html", _moves_context(request))
    form = {
        "identifier": request.POST.get("identifier", "")[:300],
        "kind": request.POST.get("kind", ""),
        "level": request.POST.get("level", ""),
        "request_code": request.POST.get("request_code", "")[:64],
    }
    try:
        move_request_create(
            actor=request.user,
            identifier=form["identifier"],
            kind=form["kind"],
            level=form["level"],
            request_code=form["request_code"],
            ip_address=client_ip(request),
        )
    except ServiceError as error:
        context = _moves_context(request, form=form, error=sentence(error.message))
        return render(request, "moves/bring_in.html", context, status=400)
    messages.info(request, ASKED)
    return redirect("partner-moves")


@partner_member_required
@require_POST
def invite_regenerate(request):
    try:
        invite_code_regenerate(actor=request.user)
    except ServiceError as error:
        messages.error(request, sentence(error.message))
        return redirect("partner-moves")
    messages.success(request, "New invite link made. The old link no longer works.")
    return redirect("partner-moves")


# --- the public sign-up ----------------------------------------------------------------------


class JoinForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150)
    organization = forms.CharField(label="Organization", max_length=200)
    login_name = forms.CharField(
        label="Login name",
        min_length=LOGIN_NAME_MIN,
        max_length=LOGIN_NAME_MAX,
        help_text=f"{LOGIN_NAME_MIN} to {LOGIN_NAME_MAX} letters, digits, dots, dashes or "
        "underscores.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="The password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


# Which form field a refusal of the sign-up service belongs under.
FIELD_OF = {
    "name_invalid": "name",
    "organization_invalid": "organization",
    "login_name_invalid": "login_name",
    "login_name_taken": "login_name",
    "email_invalid": "email",
    "email_taken": "email",
    "password_invalid": "password1",
}


def _join_missing(request):
    return render(request, "moves/join_missing.html", status=404)


@require_http_methods(["GET", "POST"])
def join(request, code: str):
    partner = partner_for_invite_code(code)
    if partner is None:
        return _join_missing(request)
    context = {"partner": partner, "code": code, "form": JoinForm()}
    if request.method == "GET":
        return render(request, "moves/join.html", context)
    allowance = ratelimit.hit(
        "join",
        ratelimit.client_address(request),
        ratelimit.Rate.parse(settings.PARTNERHUB_JOIN_RATE_PER_ADDRESS),
    )
    form = JoinForm(request.POST)
    context["form"] = form
    if not allowance.allowed:
        context["error"] = (
            "Too many sign-ups from your address. Try again in "
            f"{max(1, allowance.retry_after // 60)} minutes."
        )
        response = render(request, "moves/join.html", context, status=429)
        response["Retry-After"] = str(allowance.retry_after)
        return response
    if not form.is_valid():
        return render(request, "moves/join.html", context, status=400)
    data = form.cleaned_data
    try:
        user, account = invite_signup(
            code=code,
            sign_up=SignUp(
                name=data["name"],
                organization=data["organization"],
                login_name=data["login_name"],
                email=data["email"],
                password=data["password1"],
            ),
            ip_address=client_ip(request),
        )
    except NotFound:
        return _join_missing(request)
    except ServiceError as error:
        form.add_error(FIELD_OF.get(error.code), sentence(error.message))
        return render(request, "moves/join.html", context, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request,
        f"Welcome. {account.organization_name} is your account, referred to {partner.name}.",
    )
    return redirect("customer-account", encoded_account_id=account.encoded_account_id)


# --- the customer's side ---------------------------------------------------------------------


def _own_account_or_404(request, encoded_account_id: str) -> ClientAccount:
    try:
        return ClientAccount.objects.get(encoded_account_id=encoded_account_id, owner=request.user)
    except ClientAccount.DoesNotExist:
        raise Http404("no such account") from None


def _back(a: ClientAccount):
    return redirect(reverse("customer-provider", args=[a.encoded_account_id]) + "#moves")


@login_required
@require_POST
def move_confirm(request, encoded_account_id: str, move_id: int):
    a = _own_account_or_404(request, encoded_account_id)
    try:
        consent = move_request_confirm(
            actor=request.user,
            move_id=move_id,
            text_version=request.POST.get("text_version", ""),
            ip_address=client_ip(request),
            user_agent=user_agent(request),
        )
    except NotFound:
        raise Http404("no such move") from None
    except ServiceError as error:
        messages.error(request, sentence(error.message))
        return _back(a)
    messages.success(
        request, f"{a.organization_name} is now in the partnership of {consent.partner.name}."
    )
    return _back(a)


@login_required
@require_POST
def move_decline(request, encoded_account_id: str, move_id: int):
    a = _own_account_or_404(request, encoded_account_id)
    try:
        move = move_request_decline(
            actor=request.user, move_id=move_id, ip_address=client_ip(request)
        )
    except NotFound:
        raise Http404("no such move") from None
    except ServiceError as error:
        messages.error(request, sentence(error.message))
        return _back(a)
    messages.success(
        request, f"You declined the request from {move.partner.name}. Nothing changed."
    )
    return _back(a)


REQUEST_CODE_DONE = {
    "on": "A request code is now required. Share it with the partners you trust.",
    "off": "No request code is required any more.",
    "regenerate": "New request code made. The old one no longer works.",
}


@login_required
@require_POST
def request_code(request, encoded_account_id: str):
    a = _own_account_or_404(request, encoded_account_id)
    action = request.POST.get("action", "")
    try:
        if action == "regenerate":
            request_code_regenerate(
                actor=request.user, account_id=a.pk, ip_address=client_ip(request)
            )
        elif action in ("on", "off"):
            request_code_set(
                actor=request.user,
                account_id=a.pk,
                required=action == "on",
                ip_address=client_ip(request),
            )
        else:
            raise ServiceError("Choose to turn the request code on or off, or make a new one.")
    except ServiceError as error:
        messages.error(request, sentence(error.message))
        return redirect(reverse("customer-provider", args=[a.encoded_account_id]) + "#request-code")
    messages.success(request, REQUEST_CODE_DONE[action])
    return redirect(reverse("customer-provider", args=[a.encoded_account_id]) + "#request-code")
