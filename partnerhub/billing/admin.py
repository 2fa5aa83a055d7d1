from django.contrib import admin

from partnerhub.audit.admin import ReadOnlyAdmin
from partnerhub.billing.models import BillingEvent, Invoice, Refund


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "account", "paid_on", "amount_minor", "currency")
    search_fields = ("external_id", "account__organization_name")
    date_hierarchy = "paid_on"
    list_select_related = ("account",)
    show_full_result_count = False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "invoice", "refunded_on", "amount_minor")
    search_fields = ("external_id", "invoice__external_id")


@admin.register(BillingEvent)
class BillingEventAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "kind", "account", "occurred_at", "plan_type")
    list_filter = ("kind",)
    search_fields = ("external_id", "account__organization_name")
