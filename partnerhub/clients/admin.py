from django.contrib import admin, messages

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
    actions = ["make_parent_of_organization"]

    @admin.action(description="Make this account the parent of a new organization")
    def make_parent_of_organization(self, request, queryset):
        """For each selected account: a new organization named after it; its owner is invited
        to own the organization and asked to move the account in as its first child."""
        from partnerhub.core.errors import ServiceError
        from partnerhub.organizations.services import organization_from_account

        for account in queryset.order_by("pk")[:20]:
            try:
                organization = organization_from_account(account_id=account.pk, actor=request.user)
            except ServiceError as error:
                self.message_user(
                    request, f"{account}: not done, {error.message}.", level=messages.ERROR
                )
                continue
            self.message_user(
                request,
                f"Organization {organization.name} created. {account.owner.email} is invited to "
                "own it and asked to move the account in; nothing is attached until they answer.",
                level=messages.SUCCESS,
            )

    @admin.display(description="Password set up for the owner", boolean=True)
    def owner_password_pending(self, obj) -> bool:
        """Whether a password given at creation waits for the owner (its hash is never shown)."""
        return bool(obj.provisioned_password)

    def audit_scope(self, obj):
        return obj.partner, obj
