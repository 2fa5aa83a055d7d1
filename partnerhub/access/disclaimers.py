"""The disclaimer a customer confirms. A new wording gets a new version; old ones stay
readable in the consent records that quote them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Disclaimer:
    version: str
    text: str

    def for_partner(self, partner_name: str) -> str:
        return self.text.format(partner=partner_name)


CURRENT = Disclaimer(
    version="2026-11-01",
    text=(
        "Confirming grants {partner} full access to your account. They will be able to see "
        "and change everything in it, including your contacts, campaigns, settings and "
        "billing details, and act on your behalf. You can turn partner access off at any "
        "time under Settings > Billing > Your solution provider."
    ),
)
