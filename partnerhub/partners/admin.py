from django.contrib import admin

from partnerhub.audit.admin import AuditedAdmin
from partnerhub.partners.models import Partner, PartnerMember


class PartnerMemberInline(admin.TabularInline):
    """People join a team by accepting an invitation (Invitations > Add), never from here."""

    model = PartnerMember
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("user",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(AuditedAdmin):
    list_display = ("name", "kind", "deployed_on", "time_zone", "invite_code")
    list_filter = ("kind",)
    search_fields = ("name", "invite_code")
    date_hierarchy = "deployed_on"
    inlines = [PartnerMemberInline]
    # The partnership chooses it on its team page (audited there).
    readonly_fields = ("member_visibility",)

    def get_readonly_fields(self, request, obj=None):
        # An agency does not become an organization (or back) by an edit: its team's roles,
        # what its members see and its accounts' groups depend on it.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "kind") if obj is not None else fields

    def audit_scope(self, obj):
        return obj, None


@admin.register(PartnerMember)
class PartnerMemberAdmin(AuditedAdmin):
    list_display = ("user", "partner", "role", "joined_at")
    list_filter = ("role",)
    search_fields = ("user__email", "partner__name")
    autocomplete_fields = ("user", "partner")
    readonly_fields = ("user", "partner")

    def has_add_permission(self, request, obj=None):
        # People join a team by accepting an invitation (Invitations > Add).
        return False

    def audit_scope(self, obj):
        return obj.partner, None
