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
    readonly_fields = ("encoded_account_id", "partner", "partnership_kind", "partnered_on")
    autocomplete_fields = ("owner",)
    list_select_related = ("partner",)
    show_full_result_count = False

    def audit_scope(self, obj):
        return obj.partner, obj
