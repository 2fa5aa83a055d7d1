"""The demo organization's tags: a few locations with a drive-through, a few opened this year."""

from partnerhub.clients.models import ClientAccount
from partnerhub.organizations.services import account_tags_add

# Login names of the locations that carry each tag.
TAGS = {
    "drive-through": ["crumbco02", "crumbco08", "crumbco14", "crumbco22", "crumbco30"],
    "new in 2026": ["crumbco19", "crumbco27", "crumbco39"],
}


def load_tags(organization) -> None:
    for tag, logins in TAGS.items():
        ids = list(
            ClientAccount.objects.filter(partner=organization, login_name__in=logins).values_list(
                "id", flat=True
            )
        )
        account_tags_add(partner=organization, account_ids=ids, names=[tag])
