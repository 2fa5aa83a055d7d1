from django.contrib import admin, messages

from partnerhub.core.emails import emails_send_again
from partnerhub.core.models import EmailStatus, OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """Every notification e-mail and what became of it; failed ones carry their error."""

    list_display = ["created_at", "subject", "recipients", "status", "attempts", "last_error"]
    list_filter = ["status"]
    search_fields = ["subject"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    actions = ["send_again"]

    @admin.display(description="To")
    def recipients(self, obj: OutgoingEmail) -> str:
        return ", ".join(obj.to)

    @admin.action(description="Send the selected failed e-mails again")
    def send_again(self, request, queryset):
        count = emails_send_again(email_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        text = f"{count} e-mail(s) queued to be sent again."
        if skipped:
            text += f" {skipped} already sent or waiting were left as they are."
        self.message_user(request, text, messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # Staff open the list to see what failed: failed e-mails first, unless filtered.
        if "status__exact" not in request.GET and not request.GET.get("o"):
            failed = OutgoingEmail.objects.filter(status=EmailStatus.FAILED).count()
            if failed:
                self.message_user(
                    request,
                    f"{failed} e-mail(s) failed after every retry; filter by status "
                    "“Failed, gave up” and send them again once the cause is fixed.",
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)
