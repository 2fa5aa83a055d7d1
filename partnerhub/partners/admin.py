from django.contrib import admin

from partnerhub.audit.admin import AuditedAdmin
from partnerhub.partners.models import Partner, PartnerMember


class PartnerMemberInline(admin.TabularInline):
    model = PartnerMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Partner)
class PartnerAdmin(AuditedAdmin):
    list_display = ("name", "deployed_on", "time_zone", "invite_code")
    search_fields = ("name", "invite_code")
    date_hierarchy = "deployed_on"
    inlines = [PartnerMemberInline]

    def audit_scope(self, obj):
        return obj, None


@admin.register(PartnerMember)
class PartnerMemberAdmin(AuditedAdmin):
    list_display = ("user", "partner", "role", "joined_at")
    list_filter = ("role",)
    search_fields = ("user__email", "partner__name")
    autocomplete_fields = ("user", "partner")

    def audit_scope(self, obj):
        return obj.partner, None
