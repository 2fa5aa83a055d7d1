from django.contrib import admin

from partnerhub.people.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone"]
    search_fields = ["user__email"]
    readonly_fields = ["user"]

    def has_add_permission(self, request) -> bool:
        return False
