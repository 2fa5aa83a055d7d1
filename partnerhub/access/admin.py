from django.contrib import admin

from partnerhub.access.models import ConsentRecord, ManageRequest
from partnerhub.audit.admin import ReadOnlyAdmin


@admin.register(ManageRequest)
class ManageRequestAdmin(ReadOnlyAdmin):
    list_display = ("account", "partner", "status", "created_at", "expires_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("account__organization_name", "partner__name")
    list_select_related = ("account", "partner")
    readonly_fields = [f.name for f in ManageRequest._meta.fields]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "account",
        "partner",
        "granted_by_label",
        "granted_at",
        "disclaimer_version",
        "ip_address",
    )
    search_fields = ("account__organization_name", "partner__name", "granted_by_label")
    list_select_related = ("account", "partner")
    readonly_fields = [f.name for f in ConsentRecord._meta.fields]
