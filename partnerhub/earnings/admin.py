from django.contrib import admin

from partnerhub.audit.admin import AuditedAdmin, ReadOnlyAdmin
from partnerhub.earnings.models import LedgerLine, MonthClose, Payout, Terms, TermsCurrency


class TermsCurrencyInline(admin.TabularInline):
    model = TermsCurrency
    extra = 0


@admin.register(Terms)
class TermsAdmin(AuditedAdmin):
    """New terms are added with an effective date; terms a closed month used stay as they are."""

    list_display = ("effective_from", "revenue_share_rate", "window_days", "holding_days", "note")
    inlines = [TermsCurrencyInline]

    def has_change_permission(self, request, obj=None):
        if (
            obj is not None
            and MonthClose.objects.filter(month__gte=obj.effective_from.replace(day=1)).exists()
        ):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


@admin.register(MonthClose)
class MonthCloseAdmin(ReadOnlyAdmin):
    list_display = ("month", "line_count", "closed_at", "closed_by")


@admin.register(LedgerLine)
class LedgerLineAdmin(ReadOnlyAdmin):
    list_display = (
        "month",
        "partner",
        "account",
        "line_type",
        "amount_minor",
        "currency",
        "reason_code",
    )
    list_filter = ("line_type", "currency", "reason_code")
    search_fields = ("partner__name", "account__organization_name", "source_key")
    list_select_related = ("partner", "account")
    readonly_fields = [f.name for f in LedgerLine._meta.fields] + ["reason"]
    show_full_result_count = False


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = (
        "partner",
        "currency",
        "amount_minor",
        "status",
        "approved_at",
        "paid_at",
        "reference",
    )
    list_filter = ("status", "currency")
