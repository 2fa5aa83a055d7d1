"""The reader's notices: what the bell and /notifications/ show."""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from partnerhub.notices.models import Notice


def notices_for(*, user) -> QuerySet[Notice]:
    """The person's notices, unread first, newest first within each."""
    return (
        Notice.objects.filter(user_id=getattr(user, "pk", None))
        .annotate(unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()))
        .order_by("-unread", "-created_at", "-id")
    )


def unread_count(*, user) -> int:
    return Notice.objects.filter(user_id=getattr(user, "pk", None), read_at__isnull=True).count()
