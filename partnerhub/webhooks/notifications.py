from django.conf import settings

from partnerhub.core.emails import email_queue
from partnerhub.partners.models import PartnerRole


def notify_endpoint_disabled(endpoint) -> None:
    owners = sorted(
        m.user.email
        for m in endpoint.partner.members.select_related("user").filter(
            role__in=[PartnerRole.OWNER, PartnerRole.ADMIN]
        )
        if m.user.email
    )
    if not owners:
        return
    subject = f"Webhook endpoint disabled: {endpoint.url}"
    body = (
        f"Hello {endpoint.partner.name} team,\n\nWe stopped sending webhooks to {endpoint.url}: "
        f"{endpoint.disabled_reason}.\nFix the receiver, then enable the endpoint again under "
        f"Webhooks: {settings.PARTNERHUB_BASE_URL.rstrip('/')}/portal/webhooks/\n"
    )
    email_queue(to=owners, subject=subject, body=body)
