from django.contrib import admin

from partnerhub.notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__email"]
    readonly_fields = ["user", "kind", "title", "url", "source_key", "created_at", "read_at"]

    def has_add_permission(self, request) -> bool:
        return False
