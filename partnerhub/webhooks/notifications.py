from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from partnerhub.core.emails import email_queue
from partnerhub.notices.models import NoticeKind
from partnerhub.notices.services import notice_create
from partnerhub.partners.models import PartnerRole


def notify_endpoint_disabled(endpoint) -> None:
    # Each time it is disabled is news of its own (it may be enabled and disabled again).
    now = timezone.now()
    managers = endpoint.partner.members.filter(role__in=[PartnerRole.OWNER, PartnerRole.ADMIN])
    notice_create(
        user_ids=managers.values_list("user_id", flat=True),
        kind=NoticeKind.ENDPOINT_DISABLED,
        title=f"Webhook endpoint disabled: {endpoint.url}",
        url=reverse("partner-webhook", kwargs={"endpoint_id": endpoint.pk}),
        source_key=f"endpoint:{endpoint.pk}:disabled:{now.isoformat()}",
        at=now,
    )
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
