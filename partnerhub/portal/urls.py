from django.urls import path

from partnerhub.clients import converters  # noqa: F401  (registers account_id)
from partnerhub.portal.views import (
    assignments,
    brand,
    bulk,
    common,
    customer,
    developers,
    earnings,
    invitations,
    moves,
    notices,
    onboarding,
    organization,
    partner,
    pricing,
    profile,
    reports,
    staff,
    team,
)

urlpatterns = [
    path("", common.home, name="home"),
    # Everyone's own settings and notifications
    path("settings/", profile.profile, name="profile"),
    path("settings/team/", profile.team_switch, name="team-switch"),
    path("notifications/", notices.notices_page, name="notices"),
    path("notifications/menu/", notices.notices_menu, name="notices-menu"),
    path("notifications/read-all/", notices.notices_read_all, name="notices-read-all"),
    path("notifications/<int:notice_id>/open/", notices.notice_open_view, name="notice-open"),
    # Partner portal: My Organization
    path("portal/accounts/", partner.accounts, name="partner-accounts"),
    path("portal/accounts.csv", partner.accounts_export, name="partner-accounts-csv"),
    # Before the account's own paths: "assign" is not an account id.
    path(
        "portal/accounts/assign/", assignments.accounts_assign_view, name="partner-accounts-assign"
    ),
    path(
        "portal/accounts/assign-selected/",
        assignments.accounts_assign_selected,
        name="partner-accounts-assign-selected",
    ),
    path(
        "portal/accounts/unassign/",
        assignments.accounts_unassign_view,
        name="partner-accounts-unassign",
    ),
    path("portal/accounts/request/", bulk.requests_bulk, name="partner-requests-bulk"),
    # An organization's accounts: groups, tags, creating and detaching
    path("portal/accounts/move/", organization.accounts_move, name="organization-accounts-move"),
    path("portal/accounts/tag/", organization.accounts_tag, name="organization-accounts-tag"),
    path("portal/accounts/new/", organization.child_new, name="organization-child-new"),
    path(
        "portal/accounts/import/",
        organization.children_import,
        name="organization-children-import",
    ),
    path(
        "portal/accounts/<account_id:encoded_account_id>/detach/",
        organization.account_detach,
        name="organization-account-detach",
    ),
    path("portal/groups/", organization.groups, name="organization-groups"),
    path("portal/groups/new/", organization.group_create, name="organization-group-create"),
    path(
        "portal/groups/<int:group_id>/rename/",
        organization.group_rename,
        name="organization-group-rename",
    ),
    path(
        "portal/groups/<int:group_id>/delete/",
        organization.group_delete,
        name="organization-group-delete",
    ),
    path(
        "portal/accounts/<account_id:encoded_account_id>/",
        partner.account_detail,
        name="partner-account",
    ),
    path(
        "portal/accounts/<account_id:encoded_account_id>/request/",
        partner.request_create,
        name="partner-request-create",
    ),
    path(
        "portal/accounts/<account_id:encoded_account_id>/extension/",
        partner.extension_request,
        name="partner-extension-request",
    ),
    path(
        "portal/accounts/<account_id:encoded_account_id>/request/cancel/",
        partner.request_cancel,
        name="partner-request-cancel",
    ),
    path("portal/bring-in/", moves.bring_in, name="partner-moves"),
    path(
        "portal/bring-in/invite-link/",
        moves.invite_regenerate,
        name="partner-invite-regenerate",
    ),
    path(
        "portal/accounts/<account_id:encoded_account_id>/cancellation/withdraw/",
        partner.cancellation_withdraw,
        name="partner-cancellation-withdraw",
    ),
    path("portal/earnings/", earnings.earnings_page, name="partner-earnings"),
    path("portal/pricing/", pricing.pricing_page, name="partner-pricing"),
    path("portal/statements/", pricing.statements_page, name="partner-statements"),
    path("portal/statements/<str:month>/", pricing.statement_page, name="partner-statement"),
    path(
        "portal/statements/<str:month>/print/",
        pricing.statement_print,
        name="partner-statement-print",
    ),
    path(
        "portal/statements/<str:month>.csv",
        pricing.statement_download,
        name="partner-statement-csv",
    ),
    path("portal/earnings/lines/", earnings.earnings_lines, name="partner-earnings-lines"),
    path("portal/earnings/lines.csv", earnings.earnings_csv, name="partner-earnings-csv"),
    path(
        "portal/earnings/would-earn-as-managed/",
        earnings.earnings_opportunities,
        name="partner-earnings-opportunities",
    ),
    path("portal/onboarding/", onboarding.onboarding_page, name="partner-onboarding"),
    path("portal/onboarding/steps/", onboarding.step_add, name="partner-onboarding-step-add"),
    path(
        "portal/onboarding/steps/<int:step_id>/",
        onboarding.step_change,
        name="partner-onboarding-step",
    ),
    path("portal/onboarding/remind/", onboarding.nudge, name="partner-onboarding-nudge"),
    path("portal/reports/", reports.reports_page, name="partner-reports"),
    path("portal/reports.csv", reports.reports_csv, name="partner-reports-csv"),
    path("portal/api-keys/", developers.api_keys, name="partner-api-keys"),
    path(
        "portal/api-keys/<int:key_id>/revoke/",
        developers.api_key_revoke_view,
        name="partner-api-key-revoke",
    ),
    path(
        "portal/api-keys/v3/<int:client_id>/revoke/",
        developers.v3_client_revoke_view,
        name="partner-v3-client-revoke",
    ),
    path("portal/webhooks/", developers.webhooks_page, name="partner-webhooks"),
    path("portal/webhooks/<int:endpoint_id>/", developers.webhook_detail, name="partner-webhook"),
    path(
        "portal/webhooks/<int:endpoint_id>/action/",
        developers.webhook_action,
        name="partner-webhook-action",
    ),
    path("portal/brand/", brand.organization_brand, name="partner-brand"),
    path("portal/brand/preview/", brand.organization_brand_preview, name="partner-brand-preview"),
    path(
        "portal/brand/groups/<int:group_id>/",
        brand.organization_brand,
        name="partner-brand-group",
    ),
    path(
        "portal/brand/groups/<int:group_id>/preview/",
        brand.organization_brand_preview,
        name="partner-brand-group-preview",
    ),
    path("brand/preview.css", brand.preview_css, name="brand-preview-css"),
    path("brand/logos/<int:kit_id>/", brand.logo, name="brand-logo"),
    path("portal/team/", team.team, name="partner-team"),
    path("portal/team/visibility/", assignments.member_visibility, name="partner-team-visibility"),
    path(
        "portal/team/<int:member_id>/accounts/",
        assignments.member_accounts,
        name="partner-team-member-accounts",
    ),
    path("portal/team/<int:member_id>/", team.member_update, name="partner-team-member"),
    path(
        "portal/team/<int:member_id>/groups/", team.member_groups, name="partner-team-member-groups"
    ),
    path(
        "portal/team/invitations/<int:invitation_id>/revoke/",
        team.invitation_revoke_view,
        name="partner-team-invitation-revoke",
    ),
    # Invitations (to a team, or to own an account): the link in the e-mail
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
    path("invitations/<str:token>/accept/", invitations.accept, name="invitation-accept"),
    path("invitations/<str:token>/decline/", invitations.decline, name="invitation-decline"),
    # Sign-up through a partner's invite link
    path("join/<str:code>/", moves.join, name="join"),
    # Program staff
    path("staff/earnings/", staff.earnings_overview, name="staff-earnings"),
    path("staff/earnings/close/", staff.close_month, name="staff-close"),
    path("staff/earnings/payouts/approve/", staff.approve_payout, name="staff-payout-approve"),
    path("staff/earnings/payouts/<int:payout_id>/paid/", staff.mark_paid, name="staff-payout-paid"),
    # Customer account area
    path("account/", customer.home, name="customer-home"),
    path("account/<account_id:encoded_account_id>/", customer.account, name="customer-account"),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/",
        customer.provider,
        name="customer-provider",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/timeline.csv",
        customer.timeline_csv,
        name="customer-timeline-csv",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/confirm/",
        customer.request_confirm,
        name="customer-request-confirm",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/decline/",
        customer.request_decline,
        name="customer-request-decline",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/access-level/",
        customer.access_level,
        name="customer-access-level",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/partner-access/",
        customer.access_off,
        name="customer-access-off",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/moves/<int:move_id>/confirm/",
        moves.move_confirm,
        name="customer-move-confirm",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/moves/<int:move_id>/decline/",
        moves.move_decline,
        name="customer-move-decline",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/request-code/",
        moves.request_code,
        name="customer-request-code",
    ),
    path(
        "account/<account_id:encoded_account_id>/brand/",
        brand.customer_brand,
        name="customer-brand",
    ),
    path(
        "account/<account_id:encoded_account_id>/brand/preview/",
        brand.customer_brand_preview,
        name="customer-brand-preview",
    ),
    path(
        "account/<account_id:encoded_account_id>/settings/billing/detach/<int:request_id>/",
        customer.detach_answer,
        name="customer-detach-answer",
    ),
    path(
        "account/<account_id:encoded_account_id>/onboarding/",
        customer.onboarding,
        name="customer-onboarding",
    ),
    path(
        "account/<account_id:encoded_account_id>/cancellation/withdraw/",
        customer.cancellation_withdraw,
        name="customer-cancellation-withdraw",
    ),
]
