from django.contrib import admin

from partnerhub.audit.admin import ReadOnlyAdmin
from partnerhub.moves.models import MoveConsent, MoveRequest


@admin.register(MoveRequest)
class MoveRequestAdmin(ReadOnlyAdmin):
    list_display = ("account", "partner", "kind", "level", "status", "created_at", "decided_at")
    list_filter = ("status", "kind")
    search_fields = ("account__organization_name", "account__login_name", "partner__name")
    list_select_related = ("account", "partner")
    readonly_fields = [f.name for f in MoveRequest._meta.fields]


@admin.register(MoveConsent)
class MoveConsentAdmin(ReadOnlyAdmin):
    list_display = ("account", "partner", "granted_by_label", "granted_at", "text_version")
    search_fields = ("account__organization_name", "partner__name", "granted_by_label")
    list_select_related = ("account", "partner")
    readonly_fields = [f.name for f in MoveConsent._meta.fields]
