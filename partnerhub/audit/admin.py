from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict

from partnerhub.audit import events
from partnerhub.audit.models import AuditEvent
from partnerhub.audit.services import audit_record


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff read these here; they change only through the product's own actions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Every save by program staff writes an audit event with the fields before and after."""

    def audit_scope(self, obj):
        """The (partner, account) an audit row of ``obj`` belongs to."""
        return None, None

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = {}
            if change:
                old = type(obj).objects.get(pk=obj.pk)
                before = {k: v for k, v in model_to_dict(old).items() if k in form.changed_data}
            super().save_model(request, obj, form, change)
            after = {k: v for k, v in model_to_dict(obj).items() if k in form.changed_data}
            partner, account = self.audit_scope(obj)
            audit_record(
                actor=request.user,
                action=events.ADMIN_CHANGE,
                target=obj,
                before=_jsonable(before),
                after=_jsonable({**after, "_created": not change}),
                partner=partner,
                account=account,
                ip_address=request.META.get("REMOTE_ADDR"),
            )


def _jsonable(values: dict) -> dict:
    return {
        k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
        for k, v in values.items()
    }


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "target_type", "target_id", "partner", "account")
    list_filter = ("action", "target_type")
    search_fields = (
        "actor_label",
        "action",
        "target_id",
        "account__organization_name",
        "partner__name",
    )
    date_hierarchy = "at"
    list_select_related = ("partner", "account")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
