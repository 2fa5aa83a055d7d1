"""The help link every page carries: the article that explains the page, else the help centre.

One table maps a page (its URL name) to the article about it; a page not in the table links to
the help centre's home.
"""

from django.urls import reverse

HELP_FOR_PAGE: dict[str, str] = {
    # Partner portal
    "partner-accounts": "move-referred-account-to-managed",
    "partner-account": "move-referred-account-to-managed",
    "partner-request-create": "what-the-customer-is-asked",
    "partner-request-cancel": "cancel-a-permission-request",
    "partner-earnings": "how-earnings-are-calculated",
    "partner-earnings-lines": "how-earnings-are-calculated",
    "partner-earnings-opportunities": "how-earnings-are-calculated",
    "partner-pricing": "bulk-pricing-and-single-bill-statements",
    "partner-statements": "bulk-pricing-and-single-bill-statements",
    "partner-statement": "bulk-pricing-and-single-bill-statements",
    "partner-statement-print": "bulk-pricing-and-single-bill-statements",
    "partner-api-keys": "create-an-api-key",
    "partner-webhooks": "receive-webhooks",
    "partner-webhook": "receive-webhooks",
    "partner-team": "manage-your-team",
    "partner-team-member-accounts": "manage-your-team",
    "partner-team-visibility": "manage-your-team",
    "partner-accounts-assign": "manage-your-team",
    "partner-accounts-assign-selected": "manage-your-team",
    "partner-accounts-unassign": "manage-your-team",
    "partner-requests-bulk": "what-the-customer-is-asked",
    "partner-extension-request": "access-levels",
    "partner-moves": "bring-an-account-in",
    "partner-invite-regenerate": "bring-an-account-in",
    "partner-cancellation-withdraw": "find-an-account",
    "partner-brand": "brand-kit",
    "partner-brand-group": "brand-kit",
    "partner-brand-preview": "brand-kit",
    "partner-brand-group-preview": "brand-kit",
    "organization-groups": "organization-groups",
    "organization-group-create": "organization-groups",
    "organization-group-rename": "organization-groups",
    "organization-group-delete": "organization-groups",
    "organization-accounts-move": "organization-groups",
    "organization-accounts-tag": "organization-groups",
    "organization-child-new": "create-locations",
    "organization-children-import": "create-locations",
    "organization-account-detach": "organization-accounts",
    "partner-onboarding": "onboard-your-accounts",
    "partner-onboarding-step-add": "onboard-your-accounts",
    "partner-onboarding-step": "onboard-your-accounts",
    "partner-onboarding-nudge": "onboard-your-accounts",
    "partner-reports": "roll-up-reports",
    "partner-reports-csv": "roll-up-reports",
    # Customer pages
    "customer-home": "grant-or-remove-partner-access",
    "customer-brand": "brand-kit",
    "customer-brand-preview": "brand-kit",
    "customer-account": "grant-or-remove-partner-access",
    "customer-provider": "grant-or-remove-partner-access",
    "customer-request-confirm": "grant-or-remove-partner-access",
    "customer-request-decline": "grant-or-remove-partner-access",
    "customer-access-off": "grant-or-remove-partner-access",
    "customer-access-level": "access-levels",
    "customer-onboarding": "onboard-your-accounts",
    "customer-move-confirm": "grant-or-remove-partner-access",
    "customer-move-decline": "grant-or-remove-partner-access",
    "customer-request-code": "grant-or-remove-partner-access",
    "customer-cancellation-withdraw": "grant-or-remove-partner-access",
    "customer-detach-answer": "grant-or-remove-partner-access",
    # Program staff
    "staff-earnings": "how-earnings-are-calculated",
}


def help_link(request):
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name or "") if match else ""
    slug = HELP_FOR_PAGE.get(url_name)
    if slug:
        return {"help_url": reverse("help-article", args=[slug])}
    return {"help_url": reverse("help-home")}
