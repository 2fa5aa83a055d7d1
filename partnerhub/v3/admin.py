from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from partnerhub.audit.admin import ReadOnlyAdmin
from partnerhub.core.errors import ServiceError
from partnerhub.partners.models import TEAM_MANAGER_ROLES, PartnerMember
from partnerhub.v3.credentials import v3_client_create, v3_client_revoke
from partnerhub.v3.models import AccountUser, ScheduledCancellation, V3AccountProfile, V3Client


class V3ClientCreateForm(forms.Form):
    acting_member = forms.ModelChoiceField(
        queryset=PartnerMember.objects.filter(role__in=TEAM_MANAGER_ROLES).select_related(
            "partner", "user"
        ),
        label="Partner owner or admin",
        help_text="The credentials belong to this member's partner and act as this member.",
    )
    name = forms.CharField(max_length=100, help_text="What the partner calls the integration.")


@admin.register(V3Client)
class V3ClientAdmin(admin.ModelAdmin):
    """Staff create credentials here (the secret and API key are shown once) and revoke them;
    nothing else about them changes."""

    list_display = (
        "name",
        "partner",
        "client_id",
        "api_key_prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "client_id", "partner__name", "created_by__email")
    list_select_related = ("partner", "created_by")
    readonly_fields = [
        "partner",
        "name",
        "client_id",
        "api_key_prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ("client_secret_hash", "api_key_hash")
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = V3ClientCreateForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Create V3 API credentials",
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            try:
                client, secret, api_key = v3_client_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    acting_member=form.cleaned_data["acting_member"],
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                context.update(
                    title="V3 API credentials created",
                    client=client,
                    client_secret=secret,
                    api_key=api_key,
                )
                return TemplateResponse(request, "v3/admin/credentials_created.html", context)
        return TemplateResponse(request, "v3/admin/credentials_form.html", context)

    @admin.action(description="Revoke the selected credentials")
    def revoke(self, request, queryset):
        done = 0
        for client in queryset.filter(revoked_at__isnull=True):
            try:
                v3_client_revoke(actor=request.user, client_id=client.pk)
            except ServiceError as exc:
                self.message_user(request, f"{client}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"Revoked {done} set(s) of credentials.")


@admin.register(V3AccountProfile)
class V3AccountProfileAdmin(ReadOnlyAdmin):
    list_display = (
        "account",
        "provision_uuid",
        "country_code",
        "state_code",
        "billing_locale",
        "partner_account_id",
        "billing_day_of_month",
        "created_at",
    )
    search_fields = ("account__login_name", "account__encoded_account_id", "partner_account_id")
    list_select_related = ("account",)


@admin.register(ScheduledCancellation)
class ScheduledCancellationAdmin(ReadOnlyAdmin):
    list_display = (
        "account",
        "partner",
        "effective_at",
        "status",
        "reason",
        "requested_by",
        "requested_at",
        "closed_at",
    )
    list_filter = ("status",)
    search_fields = ("account__login_name", "account__encoded_account_id", "partner__name")
    list_select_related = ("account", "partner", "requested_by")


@admin.register(AccountUser)
class AccountUserAdmin(ReadOnlyAdmin):
    list_display = ("user", "account", "role", "login_name", "external_provider", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "login_name", "account__login_name")
    list_select_related = ("user", "account")
