"""An organization's own pages in *My Organization*: its groups, creating its accounts (one,
or many from a CSV file with a preview), and what the selection bar and the account page do
with groups, tags and detaching. An agency has none of these pages (404)."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from pydantic import ValidationError as PydanticValidationError

from partnerhub.clients import selectors as account_selectors
from partnerhub.clients.models import ClientAccount, PlanType
from partnerhub.core.errors import ServiceError
from partnerhub.core.text import TextField
from partnerhub.organizations import children, detach
from partnerhub.organizations import selectors as org_selectors
from partnerhub.organizations import services as org_services
from partnerhub.organizations.models import AccountGroup
from partnerhub.partners.selectors import restricted_member_id
from partnerhub.portal.auth import partner_member_required
from partnerhub.portal.selection import selected_account_ids
from partnerhub.portal.views.common import safe_next, sentence

SIGNED_FILE_SALT = "partnerhub.organizations.locations-csv"


def organization_required(*, act: bool = False):
    """The member's *My Organization* must be an organization (an agency's team gets 404);
    with ``act`` only its owners and admins may use the view (others get a 403 page)."""

    def decorator(view):
        @partner_member_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.membership.partner.is_organization:
                raise Http404("not an organization")
            if act and not request.membership.can_manage_team:
                return render(
                    request,
                    "portal/forbidden.html",
                    {
                        "title": "Owners and admins only",
                        "text": f"Only owners and admins of {request.membership.partner.name} "
                        "change groups and create or detach accounts.",
                        "links": [("My accounts", "partner-accounts")],
                        "base_template": "portal/base.html",
                    },
                    status=403,
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _visible_to(request) -> int | None:
    return restricted_member_id(request.membership)


def _account_or_404(request, encoded_account_id: str) -> ClientAccount:
    try:
        return account_selectors.partner_account_get(
            partner_id=request.membership.partner_id,
            encoded_account_id=encoded_account_id,
            visible_to=_visible_to(request),
        )
    except ClientAccount.DoesNotExist:
        raise Http404("no such account") from None


def _back(request, default: str) -> str:
    return safe_next(request, default)


def _refused(request, error: ServiceError) -> None:
    messages.error(request, sentence(error.message))


# --- Groups ------------------------------------------------------------------------------


@organization_required()
def groups(request):
    partner_id = request.membership.partner_id
    rows = org_selectors.group_tree(partner_id=partner_id)
    return render(
        request,
        "portal/organization_groups.html",
        {
            "rows": rows,
            "ungrouped": org_selectors.ungrouped_count(partner_id=partner_id),
            "top_groups": [(g.pk, g.name) for g, _, _ in rows],
            "tags": org_selectors.tags_with_counts(partner_id=partner_id),
            "me": request.membership,
            "nav_section": "groups",
        },
    )


@organization_required(act=True)
@require_POST
def group_create(request):
    partner = request.membership.partner
    try:
        parent = None
        if request.POST.get("parent"):
            parent = org_services.group_of(partner=partner, group_id=request.POST["parent"])
        group = org_services.group_create(
            partner=partner, name=request.POST.get("name", ""), parent=parent, actor=request.user
        )
        messages.success(request, f"Group {group.path} created.")
    except ServiceError as error:
        _refused(request, error)
    return redirect("organization-groups")


@organization_required(act=True)
@require_POST
def group_rename(request, group_id: int):
    try:
        group = org_services.group_rename(
            partner=request.membership.partner,
            group_id=group_id,
            name=request.POST.get("name", ""),
            actor=request.user,
        )
        messages.success(request, f"Group renamed to {group.path}.")
    except ServiceError as error:
        if error.code == "group_not_found":
            raise Http404("no such group") from None
        _refused(request, error)
    return redirect("organization-groups")


@organization_required(act=True)
@require_POST
def group_delete(request, group_id: int):
    try:
        moved = org_services.group_delete(
            partner=request.membership.partner,
            group_id=group_id,
            move_accounts=request.POST.get("move_accounts") == "1",
            actor=request.user,
        )
        messages.success(
            request,
            "Group deleted."
            + (f" {moved} account{'s' if moved != 1 else ''} moved." if moved else ""),
        )
    except ServiceError as error:
        if error.code == "group_not_found":
            raise Http404("no such group") from None
        _refused(request, error)
    return redirect("organization-groups")


# --- The selection bar and the account page -------------------------------------------------


def _chosen_group(request):
    """The group a form chose: None for "No group", else one of the organization's."""
    # Not "group": the selection bar's form also carries the view's "group" filter.
    value = request.POST.get("to_group", "")
    if value in ("", "none"):
        return None
    return org_services.group_of(partner=request.membership.partner, group_id=value)


@organization_required(act=True)
@require_POST
def accounts_move(request):
    """Move to group: the accounts selected on My accounts, or one account from its page."""
    back = _back(request, reverse("partner-accounts"))
    selection = selected_account_ids(
        request.POST, partner_id=request.membership.partner_id, visible_to=_visible_to(request)
    )
    if selection.error:
        messages.error(request, selection.error)
        return redirect(back)
    try:
        group = _chosen_group(request)
        changed = org_services.accounts_group_set(
            partner=request.membership.partner,
            account_ids=selection.account_ids,
            group=group,
            actor=request.user,
        )
    except ServiceError as error:
        _refused(request, error)
        return redirect(back)
    where = group.path if group else "no group"
    messages.success(request, f"{changed} account{'s' if changed != 1 else ''} moved to {where}.")
    return redirect(back)


@organization_required(act=True)
@require_POST
def accounts_tag(request):
    """Add tag / Remove tag: the accounts selected, or one account from its page."""
    back = _back(request, reverse("partner-accounts"))
    selection = selected_account_ids(
        request.POST, partner_id=request.membership.partner_id, visible_to=_visible_to(request)
    )
    if selection.error:
        messages.error(request, selection.error)
        return redirect(back)
    partner = request.membership.partner
    tag = request.POST.get("tag", "")
    try:
        if request.POST.get("action") == "remove":
            n = org_services.account_tag_remove(
                partner=partner, account_ids=selection.account_ids, name=tag, actor=request.user
            )
            messages.success(request, f"Tag removed from {n} account{'s' if n != 1 else ''}.")
        else:
            n = org_services.account_tags_add(
                partner=partner,
                account_ids=selection.account_ids,
                names=org_services.tag_names(tag),
                actor=request.user,
            )
            messages.success(request, f"{n} tag{'s' if n != 1 else ''} added.")
    except ServiceError as error:
        _refused(request, error)
    return redirect(back)


@organization_required(act=True)
@require_POST
def account_detach(request, encoded_account_id: str):
    """Ask the owner to detach the account, or withdraw that request."""
    account = _account_or_404(request, encoded_account_id)
    partner = request.membership.partner
    try:
        if request.POST.get("action") == "cancel":
            pending = detach.pending_detach_for(account_id=account.pk)
            if pending is None or pending.partner_id != partner.pk:
                raise ServiceError("There is no detach request waiting.")
            detach.detach_request_cancel(partner=partner, request_id=pending.pk, actor=request.user)
            messages.success(request, "Detach request withdrawn.")
        else:
            detach.detach_request_create(partner=partner, account_id=account.pk, actor=request.user)
            messages.success(
                request,
                f"Detach requested. {account.owner_name} is asked to confirm; the account "
                "stays yours until they do.",
            )
    except ServiceError as error:
        _refused(request, error)
    return redirect("partner-account", encoded_account_id=account.encoded_account_id)


def account_panel_context(request, account) -> dict:
    """What the account page shows an organization: the group, the tags, a detach request."""
    partner = request.membership.partner
    if not partner.is_organization:
        return {}
    group = (
        AccountGroup.objects.filter(pk=account.group_id).select_related("parent").first()
        if account.group_id
        else None
    )
    return {
        "org_panel": True,
        "org_group": group,
        "org_tags": org_selectors.account_tags(partner_id=partner.pk, account_id=account.pk),
        "org_groups": org_selectors.group_choices(partner_id=partner.pk),
        "org_detach": detach.pending_detach_for(account_id=account.pk),
    }


# --- Creating accounts ---------------------------------------------------------------------


class ChildAccountForm(forms.Form):
    location_name = TextField(label="Location name", max_length=200)
    owner_name = TextField(label="Owner name", max_length=200)
    owner_email = forms.EmailField(label="Owner e-mail", max_length=254)
    login_name = TextField(
        label="Login name",
        max_length=50,
        min_length=6,
        help_text="6 to 50 characters: letters, digits and - _ @ . +",
    )
    plan = forms.ChoiceField(label="Plan", choices=PlanType.choices, initial=PlanType.TRIAL)
    group = forms.TypedChoiceField(label="Group", required=False, coerce=int, empty_value=None)
    tags = TextField(
        label="Tags", max_length=500, required=False, help_text="Separate tags with commas."
    )

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.fields["group"].choices = [
            ("", "No group"),
            *org_selectors.group_choices(partner_id=partner.pk),
        ]


@organization_required(act=True)
def child_new(request):
    partner = request.membership.partner
    form = ChildAccountForm(request.POST or None, partner=partner)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            data = children.ChildAccountIn(
                location_name=values["location_name"],
                owner_name=values["owner_name"],
                owner_email=values["owner_email"],
                login_name=values["login_name"],
                plan=values["plan"],
                tags=values["tags"],
            )
        except PydanticValidationError as error:
            for name, message in children.field_errors(error):
                form.add_error(
                    name if name in form.fields else None, f"{message[:1].upper()}{message[1:]}."
                )
        else:
            try:
                group = (
                    org_services.group_of(partner=partner, group_id=values["group"])
                    if values["group"]
                    else None
                )
                account = children.child_account_create(
                    partner=partner, data=data, group=group, actor=request.user
                )
            except ServiceError as error:
                field = "login_name" if error.code == "login_name_taken" else None
                form.add_error(field, sentence(error.message))
            else:
                messages.success(
                    request,
                    f"{account.organization_name} created. {data.owner_email} is invited to "
                    "take ownership.",
                )
                return redirect("partner-account", encoded_account_id=account.encoded_account_id)
    return render(
        request,
        "portal/organization_child_new.html",
        {"form": form, "nav_section": "create"},
    )


@organization_required(act=True)
def children_import(request):
    """Upload a file of locations, read its preview, and confirm to create the valid rows."""
    partner = request.membership.partner
    context = {
        "nav_section": "create",
        "columns": children.CSV_COLUMNS,
        "rows_max": children.CSV_ROWS_MAX,
        "kb_max": children.CSV_BYTES_MAX // 1024,
        "plans": PlanType.values,
    }
    if request.method != "POST":
        return render(request, "portal/organization_children_import.html", context)
    if request.POST.get("confirm"):
        try:
            content = signing.loads(
                request.POST.get("file", ""), salt=SIGNED_FILE_SALT, max_age=3600
            ).encode()
        except signing.BadSignature:
            messages.error(request, "That preview is no longer valid; upload the file again.")
            return redirect("organization-children-import")
        preview = children.locations_csv_read(partner=partner, content=content)
        if preview.file_errors or not preview.valid:
            context.update(preview=preview)
            return render(request, "portal/organization_children_import.html", context, status=400)
        try:
            made = children.children_create(partner=partner, rows=preview.rows, actor=request.user)
        except ServiceError as error:
            messages.error(
                request,
                f"Nothing was created: {sentence(error.message)} Upload the file again to see "
                "what changed.",
            )
            return redirect("organization-children-import")
        messages.success(
            request,
            f"{len(made)} account{'s' if len(made) != 1 else ''} created; each owner is "
            "invited to take ownership.",
        )
        return redirect("partner-accounts")
    upload = request.FILES.get("file")
    if upload is None:
        context["upload_error"] = "Choose a CSV file to upload."
        return render(request, "portal/organization_children_import.html", context, status=400)
    if upload.size > children.CSV_BYTES_MAX:
        context["upload_error"] = (
            f"The file is larger than {children.CSV_BYTES_MAX // 1024} KB; split it into "
            "smaller files."
        )
        return render(request, "portal/organization_children_import.html", context, status=400)
    content = upload.read(children.CSV_BYTES_MAX + 1)
    preview = children.locations_csv_read(partner=partner, content=content)
    context["preview"] = preview
    if not preview.file_errors and preview.valid:
        context["signed_file"] = signing.dumps(
            content.decode("utf-8-sig"), salt=SIGNED_FILE_SALT, compress=True
        )
    return render(request, "portal/organization_children_import.html", context)
