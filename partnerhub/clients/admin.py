from django.contrib import admin

from partnerhub.audit.admin import AuditedAdmin
from partnerhub.clients.models import ClientAccount


@admin.register(ClientAccount)
class ClientAccountAdmin(AuditedAdmin):
    list_display = (
        "organization_name",
        "login_name",
        "owner_name",
        "plan_type",
        "billing_status",
        "partner",
        "partnership_kind",
        "partnered_on",
    )
    list_filter = (
        "plan_type",
        "billing_status",
        "disabled_reason",
        "single_bill",
        "partnership_kind",
    )
    search_fields = (
        "organization_name",
        "owner_name",
        "login_name",
        "encoded_account_id",
        "contact_email",
    )
    readonly_fields = (
        "encoded_account_id",
        "partner",
        "partnership_kind",
        "partnered_on",
        "owner_password_pending",
    )
    autocomplete_fields = ("owner",)
    list_select_related = ("partner",)
    show_full_result_count = False

    @admin.display(description="Password set up for the owner", boolean=True)
    def owner_password_pending(self, obj) -> bool:
        """Whether a password given at creation waits for the owner (its hash is never shown)."""
        return bool(obj.provisioned_password)

    def audit_scope(self, obj):
        return obj.partner, obj
