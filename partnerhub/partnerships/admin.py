from django.contrib import admin

from partnerhub.audit.admin import ReadOnlyAdmin
from partnerhub.partnerships.models import Partnership, PartnershipKindChange


class KindChangeInline(admin.TabularInline):
    model = PartnershipKindChange
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "effective_at", "cause", "actor")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partnership)
class PartnershipAdmin(ReadOnlyAdmin):
    list_display = ("account", "partner", "kind", "moved_on", "source", "ended_at")
    list_filter = ("kind", "source")
    search_fields = ("account__organization_name", "account__login_name", "partner__name")
    list_select_related = ("account", "partner")
    inlines = [KindChangeInline]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        # Viewable with its kind history; changed only through the product.
        return False
