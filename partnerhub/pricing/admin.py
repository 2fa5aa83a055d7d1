from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from partnerhub.audit.admin import AuditedAdmin, ReadOnlyAdmin
from partnerhub.core.errors import ServiceError
from partnerhub.pricing import rules
from partnerhub.pricing.models import (
    PlanPrice,
    PriceBook,
    SingleBill,
    Statement,
    StatementClose,
    StatementLine,
    VolumeDiscount,
)
from partnerhub.pricing.services import single_bill_enable, statements_close


class VolumeTierFormSet(forms.BaseInlineFormSet):
    """The book's tiers together: contiguous from 1 account, no overlap, exact percentages."""

    def clean(self):
        super().clean()
        tiers = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or data.get("min_accounts") is None:
                continue
            if data.get("discount_percent") is None:
                continue
            tiers.append(
                rules.VolumeTier(
                    data["min_accounts"], data.get("max_accounts"), data["discount_percent"]
                )
            )
        problems = rules.tier_problems(tiers)
        if problems:
            raise ValidationError(problems)


class VolumeDiscountInline(admin.TabularInline):
    model = VolumeDiscount
    formset = VolumeTierFormSet
    extra = 0


class PlanPriceInline(admin.TabularInline):
    model = PlanPrice
    extra = 0


def _used(book: PriceBook) -> bool:
    return Statement.objects.filter(book=book).exists()


@admin.register(PriceBook)
class PriceBookAdmin(AuditedAdmin):
    """A new book is added from a month; a book a closed statement used stays as it is."""

    list_display = ("effective_month", "note", "created_at")
    inlines = [VolumeDiscountInline, PlanPriceInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and _used(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


@admin.action(description="Close the next month's statements (of every Single Bill partner)")
def close_next_month(modeladmin, request, queryset):
    latest = StatementClose.objects.order_by("-month").first()
    if latest is None:
        first = SingleBill.objects.order_by("since_month").values_list("since_month", flat=True)
        month = first.first()
        if month is None:
            modeladmin.message_user(request, "No partner is on Single Bill.", level=messages.ERROR)
            return
    else:
        month = (latest.month.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    try:
        result = statements_close(month=month, actor=request.user, wait=False)
    except ServiceError as exc:
        modeladmin.message_user(request, exc.message, level=messages.ERROR)
        return
    close = result.close
    verb = "Closed" if result.created else "Already closed"
    modeladmin.message_user(
        request,
        f"{verb} {close.month:%B %Y}: {close.statement_count} statements, {close.line_count} lines",
    )


class SingleBillForm(forms.ModelForm):
    class Meta:
        model = SingleBill
        fields = ["partner", "since_month"]


@admin.register(SingleBill)
class SingleBillAdmin(admin.ModelAdmin):
    """Staff turn Single Bill on for a partner from a month (through the service, audited)."""

    form = SingleBillForm
    list_display = ("partner", "since_month", "enabled_at", "enabled_by")
    search_fields = ("partner__name",)
    autocomplete_fields = ("partner",)
    actions = [close_next_month]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = single_bill_enable(
            partner_id=obj.partner_id, since_month=obj.since_month, actor=request.user
        ).pk

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        base_clean = form.clean

        def clean(self_):
            data = base_clean(self_)
            since = data.get("since_month")
            if since is not None:
                data["since_month"] = since.replace(day=1)
                if StatementClose.objects.filter(month__gte=data["since_month"]).exists():
                    raise ValidationError(
                        f"statements of {since:%B %Y} are closed already: start a later month"
                    )
            return data

        form.clean = clean
        return form


@admin.register(StatementClose)
class StatementCloseAdmin(ReadOnlyAdmin):
    list_display = ("month", "statement_count", "line_count", "closed_at", "closed_by")


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("month", "partner", "paying_accounts", "discount_percent", "book")
    list_filter = ("month",)
    search_fields = ("partner__name",)
    list_select_related = ("partner", "book")


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    list_display = (
        "statement",
        "account",
        "kind",
        "plan",
        "currency",
        "days_billed",
        "amount_minor",
        "discount_minor",
        "total_minor",
    )
    list_filter = ("kind", "currency")
    list_select_related = ("statement__partner", "account")
    show_full_result_count = False
