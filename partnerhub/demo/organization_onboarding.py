"""The demo organization's onboarding checklist: five steps, two checked by PartnerHub and three
reported by the email product, about half done across the 40 locations (more at some shops
than others)."""

import datetime as dt

from django.db import transaction

from partnerhub.clients.models import ClientAccount
from partnerhub.onboarding import checks
from partnerhub.onboarding.services import checks_evaluate, step_create, step_report

STEPS = [
    ("Choose a plan", "Pick the plan that fits the shop.", "/help/", checks.PLAN_CHOSEN),
    (
        "Invite a colleague",
        "Add the shop manager as a user of the account.",
        "",
        checks.FIRST_USER_INVITED,
    ),
    ("Import your contacts", "Bring in the loyalty-card list.", "", ""),
    ("Send a first campaign", "The weekly bake list is a good first one.", "", ""),
    ("Set up the welcome e-mail", "Greet new subscribers with a voucher.", "", ""),
]
# Which locations (by their number, 1..40) did each reported step.
REPORTED = {
    "import-your-contacts": lambda n: n % 4 != 0,
    "send-a-first-campaign": lambda n: n % 2 == 0,
    "set-up-the-welcome-e-mail": lambda n: n % 5 == 0,
}


def load(organization, *, today: dt.date) -> None:
    with transaction.atomic():
        for title, help_text, link, check in STEPS:
            step_create(
                partner=organization, title=title, help_text=help_text, link=link, check=check
            )
        locations = ClientAccount.objects.filter(partner=organization).order_by("login_name")
        for n, account in enumerate(locations, start=1):
            for key, did in REPORTED.items():
                if did(n):
                    at = dt.datetime.combine(
                        today - dt.timedelta(days=n + len(key)), dt.time(10), dt.UTC
                    )
                    step_report(partner=organization, account=account, key=key, at=at)
    checks_evaluate(partner_id=organization.pk)
