"""The disclaimer a customer confirms, one per access level. A new wording gets a new version;
old ones stay readable in the consent records that quote them."""

from dataclasses import dataclass

from partnerhub.access.levels import AccessLevel


@dataclass(frozen=True)
class Disclaimer:
    version: str
    text: str

    def for_partner(self, partner_name: str) -> str:
        return self.text.format(partner=partner_name)


_TURN_OFF = (
    "You can turn partner access off at any time under Settings > Billing > Your solution provider."
)

BY_LEVEL: dict[str, Disclaimer] = {
    AccessLevel.FULL: Disclaimer(
        version="2026-11-01",
        text=(
            "Confirming grants {partner} full access to your account. They will be able to see "
            "and change everything in it, including your contacts, campaigns, settings and "
            "billing details, and act on your behalf. " + _TURN_OFF
        ),
    ),
    AccessLevel.MARKETING: Disclaimer(
        version="2026-12-01",
        text=(
            "Confirming grants {partner} marketing access to your account. They will be able "
            "to see and change your campaigns and contacts and see your reports, but not your "
            "billing details or your account's users. " + _TURN_OFF
        ),
    ),
    AccessLevel.REPORTS: Disclaimer(
        version="2026-12-01",
        text=(
            "Confirming grants {partner} read-only access to your account. They will be able "
            "to see your reports and settings but not change anything. " + _TURN_OFF
        ),
    ),
}

# The seed's own words: the default level's disclaimer.
CURRENT = BY_LEVEL[AccessLevel.FULL]


def for_level(level: str) -> Disclaimer:
    return BY_LEVEL[level]
