"""Brand kit pages. *My Organization › Brand kit*: owners and admins edit the organization's
kit and each group's, with a lock per field; group managers and viewers read them. *My account
› Brand*: the account's owner sees the effective kit and sets the fields left open. Both show
a live preview of the kit on a sample e-mail, re-drawn from the form without saving."""

import base64

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from partnerhub.brand import rules
from partnerhub.brand import selectors as brand_selectors
from partnerhub.brand.images import LOGO_MAX_BYTES, logo_check
from partnerhub.brand.logos import logo_response
from partnerhub.brand.models import BrandKit
from partnerhub.brand.services import BrandInvalid, brand_kit_save
from partnerhub.core.errors import ServiceError
from partnerhub.organizations.models import AccountGroup
from partnerhub.portal.auth import partner_member_required
from partnerhub.portal.customers import customer_account_or_404
from partnerhub.portal.views.common import sentence

TEXT_FIELDS = (
    "primary_color",
    "accent_color",
    "heading_font",
    "body_font",
    "footer_address",
    "email_footer",
)


def _inherit_label(field: rules.EffectiveField) -> str:
    shown = field.value
    where = "the default" if field.source == rules.DEFAULT else f"the {field.source}"
    if isinstance(shown, dict):
        shown = ", ".join(rules.SOCIAL_NETWORKS[n][0] for n in shown) or "none"
    elif shown in rules.FONT_STACKS:
        shown = rules.FONT_STACKS[shown][0]
    elif not shown:
        shown = "none"
    return f"{shown} (from {where})"


def _colour_field(label: str, placeholder: str) -> forms.CharField:
    """A ``#rrggbb`` colour, optional."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=7,
        widget=forms.TextInput(
            attrs={"placeholder": placeholder, "pattern": "#[0-9a-fA-F]{6}", "size": 8}
        ),
    )


class BrandKitForm(forms.Form):
    """One level's kit. ``inherited`` is the effective kit of the level above (what an unset
    field takes); fields locked above are shown, not editable; ``can_lock`` adds a lock per
    field; ``read_only`` shows everything disabled."""

    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG, WebP or GIF; at most 1 MiB and 2000×2000 pixels.",
    )
    logo_remove = forms.BooleanField(label="Remove the logo", required=False)
    primary_color = _colour_field("Primary colour", "#1f4e79")
    accent_color = _colour_field("Accent colour", "#e8a33d")
    heading_font = forms.ChoiceField(
        label="Heading font", required=False, choices=[("", "Inherit")] + rules.FONT_CHOICES
    )
    body_font = forms.ChoiceField(
        label="Body font", required=False, choices=[("", "Inherit")] + rules.FONT_CHOICES
    )
    footer_address = forms.CharField(
        label="Footer address",
        required=False,
        max_length=rules.FOOTER_ADDRESS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    email_footer = forms.CharField(
        label="E-mail footer text",
        required=False,
        max_length=rules.EMAIL_FOOTER_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args,
        kit: BrandKit | None,
        inherited: dict,
        locked_above: dict,
        can_lock: bool,
        read_only: bool,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kit, self.inherited, self.locked_above, self.can_lock = (
            kit,
            inherited,
            locked_above,
            can_lock,
        )
        values = kit.values() if kit else {}
        for network, (label, _) in rules.SOCIAL_NETWORKS.items():
            self.fields[f"social_{network}"] = forms.CharField(
                label=label,
                required=False,
                max_length=rules.SOCIAL_URL_MAX,
                widget=forms.URLInput(attrs={"placeholder": "https://"}),
            )
            self.initial[f"social_{network}"] = (values.get("social_links") or {}).get(network, "")
        for name in TEXT_FIELDS:
            self.initial[name] = values.get(name, "")
        if can_lock:
            for name in rules.FIELDS:
                self.fields[f"lock_{name}"] = forms.BooleanField(
                    label=f"Lock {rules.FIELD_LABELS[name].lower()}", required=False
                )
                self.initial[f"lock_{name}"] = name in (kit.locked if kit else [])
        for name in rules.FIELDS:
            if name in locked_above or read_only:
                for fname in self._form_names(name):
                    self.fields[fname].disabled = True
                if can_lock:
                    self.fields[f"lock_{name}"].disabled = True

    @staticmethod
    def _form_names(name: str) -> list[str]:
        if name == "social_links":
            return [f"social_{n}" for n in rules.SOCIAL_NETWORKS]
        if name == "logo":
            return ["logo", "logo_remove"]
        return [name]

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload and upload.size > LOGO_MAX_BYTES:
            raise ValidationError(
                "The logo is larger than 1 MiB: save it smaller and upload it again."
            )
        return upload

    def rows(self):
        """One row per kit field, for the template."""
        out = []
        for name in rules.FIELDS:
            out.append(
                {
                    "name": name,
                    "label": rules.FIELD_LABELS[name],
                    "fields": [self[f] for f in self._form_names(name)],
                    "lock": self[f"lock_{name}"] if self.can_lock else None,
                    "locked_by": self.locked_above.get(name, ""),
                    "current_logo": reverse("brand-logo", args=[self.kit.pk])
                    if name == "logo" and self.kit is not None and self.kit.logo
                    else "",
                    "inherited": _inherit_label(self.inherited[name])
                    if name != "logo"
                    else ("a logo" if self.inherited[name].value else "none")
                    + f" (from the {self.inherited[name].source})",
                }
            )
        return out

    def kit_values(self) -> dict:
        """What the form sets (unset fields empty), for the service and the preview."""
        data = self.cleaned_data
        values = {n: data.get(n, "") for n in TEXT_FIELDS}
        values["social_links"] = {n: data.get(f"social_{n}", "") for n in rules.SOCIAL_NETWORKS}
        return values

    def kit_locks(self) -> list[str] | None:
        if not self.can_lock:
            return None
        return [n for n in rules.FIELDS if self.cleaned_data.get(f"lock_{n}")]


# --- Who is asking ------------------------------------------------------------------------


def _organization_member(request):
    partner = request.membership.partner
    if not partner.is_organization:
        raise Http404("agencies keep no brand kit")
    return partner


def _scope(request, group_id):
    partner = _organization_member(request)
    group = None
    if group_id is not None:
        group = get_object_or_404(
            AccountGroup.objects.select_related("parent"), pk=group_id, partner=partner
        )
    return partner, group


def _org_context(partner, group):
    """The kit edited, what it inherits and what is locked above it."""
    if group is None:
        kit = brand_selectors.organization_kit(partner_id=partner.pk)
        above = []
    else:
        kit = BrandKit.objects.filter(group=group).first()
        above = [lv for lv in brand_selectors.group_levels(group) if lv.ref != group.pk]
    inherited = rules.effective_kit(above)
    locked_above = {
        n: rules.locked_above(n, above) for n in rules.FIELDS if rules.locked_above(n, above)
    }
    return kit, above, inherited, locked_above


def _preview_levels(above, source, ref, values, locks, kit):
    """The levels with the edited one taken from the form (nothing saved)."""
    current = kit.values() if kit else {n: "" for n in rules.FIELDS}
    level_values = {**current, **values}
    return [
        *above,
        rules.Level(
            source, level_values, frozenset(locks or []), ref=ref, kit=kit.pk if kit else None
        ),
    ]


def _preview_context(request, effective, *, name, logo_data_uri=""):
    fields = {n: f.value for n, f in effective.items()}
    css = {
        "p": fields["primary_color"],
        "a": fields["accent_color"],
        "h": fields["heading_font"],
        "b": fields["body_font"],
    }
    logo_src = logo_data_uri
    if not logo_src and fields["logo"] and effective["logo"].kit:
        logo_src = reverse("brand-logo", args=[effective["logo"].kit])
    return {
        "preview_css": reverse("brand-preview-css") + "?" + urlencode(css),
        "preview_logo": logo_src,
        "preview_name": name,
        "preview_address": [line for line in fields["footer_address"].split("\n") if line],
        "preview_social": [
            (rules.SOCIAL_NETWORKS[n][0], url) for n, url in fields["social_links"].items()
        ],
        "preview_footer": fields["email_footer"],
        "preview_fonts": (
            rules.FONT_STACKS[fields["heading_font"]][0],
            rules.FONT_STACKS[fields["body_font"]][0],
        ),
    }


def _uploaded_logo_uri(form) -> tuple[str, str]:
    """A chosen (not yet saved) logo for the preview, as a data: URI; or why it is refused."""
    upload = form.cleaned_data.get("logo") if hasattr(form, "cleaned_data") else None
    if not upload:
        return "", ""
    try:
        image = logo_check(upload.read())
    except ValidationError as error:
        return "", error.messages[0]
    return f"data:{image.content_type};base64,{base64.b64encode(image.content).decode()}", ""


# --- My Organization › Brand kit ------------------------------------------------------------


@partner_member_required
def organization_brand(request, group_id: int | None = None):
    partner, group = _scope(request, group_id)
    membership = request.membership
    kit, above, inherited, locked_above = _org_context(partner, group)
    can_edit = membership.can_manage_team
    form = BrandKitForm(
        request.POST or None,
        request.FILES or None,
        kit=kit,
        inherited=inherited,
        locked_above=locked_above,
        can_lock=True,
        read_only=not can_edit,
    )
    here = reverse("partner-brand-group", args=[group.pk]) if group else reverse("partner-brand")
    if request.method == "POST":
        if not can_edit:
            messages.error(
                request, f"Only owners and admins of {partner.name} change the brand kit."
            )
            return redirect(here)
        if form.is_valid():
            upload = form.cleaned_data.get("logo")
            try:
                change = brand_kit_save(
                    actor=request.user,
                    partner=partner,
                    group=group,
                    values={k: v for k, v in form.kit_values().items() if k not in locked_above},
                    locked=form.kit_locks(),
                    logo=upload.read() if upload else None,
                    logo_remove=form.cleaned_data.get("logo_remove", False),
                )
            except BrandInvalid as error:
                for name, errs in error.errors.items():
                    form.add_error(name if name in form.fields else None, errs)
            except ServiceError as error:
                form.add_error(None, sentence(error.message))
            else:
                if change.fields or change.locks:
                    messages.success(request, "The brand kit is saved.")
                else:
                    messages.info(request, "Nothing changed.")
                return redirect(here)
    source = rules.GROUP if group else rules.ORGANIZATION
    effective = rules.effective_kit(
        _preview_levels(
            above, source, group.pk if group else None, {}, kit.locked if kit else [], kit
        )
    )
    groups = list(
        AccountGroup.objects.filter(partner=partner)
        .select_related("parent")
        .order_by("parent__name", "name")
    )
    groups.sort(key=lambda g: g.path)
    return render(
        request,
        "brand/organization.html",
        {
            "partner": partner,
            "group": group,
            "form": form,
            "can_edit": can_edit,
            "groups": groups,
            "kits_by_group": set(
                BrandKit.objects.filter(partner=partner, group__isnull=False).values_list(
                    "group_id", flat=True
                )
            ),
            "preview_url": reverse("partner-brand-group-preview", args=[group.pk])
            if group
            else reverse("partner-brand-preview"),
            "nav_section": "brand",
            **_preview_context(request, effective, name=partner.name),
        },
    )


@partner_member_required
@require_POST
def organization_brand_preview(request, group_id: int | None = None):
    """The preview, drawn from the form as it stands (nothing is saved)."""
    partner, group = _scope(request, group_id)
    kit, above, inherited, locked_above = _org_context(partner, group)
    form = BrandKitForm(
        request.POST,
        request.FILES,
        kit=kit,
        inherited=inherited,
        locked_above=locked_above,
        can_lock=True,
        read_only=False,
    )
    return _preview_response(
        request,
        form,
        above,
        rules.GROUP if group else rules.ORGANIZATION,
        group.pk if group else None,
        kit,
        partner.name,
    )


def _preview_response(request, form, above, source, ref, kit, name):
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    values, problems = {}, []
    raw = {n: data.get(n, "") for n in TEXT_FIELDS if n in data and not form.fields[n].disabled}
    raw["social_links"] = {n: data.get(f"social_{n}", "") for n in rules.SOCIAL_NETWORKS}
    if form.fields["social_facebook"].disabled:
        raw.pop("social_links")
    for field_name, value in raw.items():
        try:
            values[field_name] = rules.CLEANERS[field_name](value)
        except ValidationError as error:
            problems.append(f"{rules.FIELD_LABELS[field_name]}: {error.messages[0]}")
    logo_uri, logo_problem = _uploaded_logo_uri(form)
    if logo_problem:
        problems.append(f"Logo: {logo_problem}")
    if data.get("logo_remove") and not form.fields["logo_remove"].disabled:
        values["logo"] = ""
    locks = (
        form.kit_locks()
        if form.can_lock and hasattr(form, "cleaned_data")
        else (kit.locked if kit else [])
    )
    effective = rules.effective_kit(_preview_levels(above, source, ref, values, locks, kit))
    context = _preview_context(request, effective, name=name, logo_data_uri=logo_uri)
    context["preview_problems"] = problems
    return render(request, "brand/_preview.html", context)


# --- My account › Brand -------------------------------------------------------------------


def _customer_scope(request, encoded_account_id):
    account = customer_account_or_404(request.user, encoded_account_id)
    if account.partner is None or not account.partner.is_organization:
        raise Http404("no brand kit for this account")
    levels = brand_selectors.account_levels(account)
    above = [lv for lv in levels if lv.source != rules.ACCOUNT]
    kit = BrandKit.objects.filter(account=account).first()
    inherited = rules.effective_kit(above)
    locked_above = {
        n: rules.locked_above(n, above) for n in rules.FIELDS if rules.locked_above(n, above)
    }
    return account, kit, above, inherited, locked_above


@login_required
def customer_brand(request, encoded_account_id: str):
    account, kit, above, inherited, locked_above = _customer_scope(request, encoded_account_id)
    can_edit = account.viewer_is_owner
    form = BrandKitForm(
        request.POST or None,
        request.FILES or None,
        kit=kit,
        inherited=inherited,
        locked_above=locked_above,
        can_lock=False,
        read_only=not can_edit,
    )
    here = reverse("customer-brand", args=[account.encoded_account_id])
    if request.method == "POST":
        if not can_edit:
            messages.error(request, "Only the account's owner changes its brand.")
            return redirect(here)
        if form.is_valid():
            upload = form.cleaned_data.get("logo")
            try:
                change = brand_kit_save(
                    actor=request.user,
                    partner=account.partner,
                    account=account,
                    values={k: v for k, v in form.kit_values().items() if k not in locked_above},
                    logo=upload.read() if upload and "logo" not in locked_above else None,
                    logo_remove=form.cleaned_data.get("logo_remove", False)
                    and "logo" not in locked_above,
                )
            except BrandInvalid as error:
                for name, errs in error.errors.items():
                    form.add_error(name if name in form.fields else None, errs)
            except ServiceError as error:
                form.add_error(None, sentence(error.message))
            else:
                messages.success(
                    request, "Your brand is saved." if change.fields else "Nothing changed."
                )
                return redirect(here)
    effective = brand_selectors.effective_brand(account=account)
    return render(
        request,
        "brand/customer.html",
        {
            "a": account,
            "form": form,
            "can_edit": can_edit,
            "effective": [
                (
                    rules.FIELD_LABELS[n],
                    f,
                    _inherit_label(f)
                    if n != "logo"
                    else ("Logo set" if f.value else "none") + f" (from the {f.source})",
                )
                for n, f in effective.items()
            ],
            "locked_count": sum(1 for f in effective.values() if f.locked),
            "preview_url": reverse("customer-brand-preview", args=[account.encoded_account_id]),
            "nav_section": "brand",
            **_preview_context(request, effective, name=account.organization_name),
        },
    )


@login_required
@require_POST
def customer_brand_preview(request, encoded_account_id: str):
    account, kit, above, inherited, locked_above = _customer_scope(request, encoded_account_id)
    form = BrandKitForm(
        request.POST,
        request.FILES,
        kit=kit,
        inherited=inherited,
        locked_above=locked_above,
        can_lock=False,
        read_only=False,
    )
    return _preview_response(
        request, form, above, rules.ACCOUNT, account.pk, kit, account.organization_name
    )


# --- The preview's stylesheet and the logo ----------------------------------------------------


@login_required
@require_GET
def preview_css(request):
    """The preview's colours and fonts as a stylesheet (the pages' CSP allows no inline
    style). Every value is checked; anything else falls back to the default."""

    def pick(key, cleaner, default):
        try:
            return cleaner(request.GET.get(key, "")) or default
        except ValidationError:
            return default

    primary = pick("p", rules.clean_color, rules.DEFAULTS["primary_color"])
    accent = pick("a", rules.clean_color, rules.DEFAULTS["accent_color"])
    heading = rules.FONT_STACKS[pick("h", rules.clean_font, rules.DEFAULTS["heading_font"])][1]
    body = rules.FONT_STACKS[pick("b", rules.clean_font, rules.DEFAULTS["body_font"])][1]
    css = (
        f".bp-header{{background:{primary};}}\n"
        f".bp-heading{{font-family:{heading};color:{primary};}}\n"
        f".bp-mail{{font-family:{body};}}\n"
        f".bp-button{{background:{accent};}}\n"
        f".bp-rule{{border-top-color:{accent};}}\n"
        f".bp-footer a{{color:{primary};}}\n"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def logo(request, kit_id: int):
    kit = BrandKit.objects.filter(pk=kit_id).first()
    if kit is None or not brand_selectors.logo_visible_to(request.user, kit):
        raise Http404("no such logo")
    return logo_response(kit)
