from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "partnerhub.core"
    label = "core"

    def ready(self):
        from django.db.backends.signals import connection_created

        from partnerhub.core.prepared import keep_asked_only
        from partnerhub.core.ratelimit import check_rates

        checks.register(check_rates)
        connection_created.connect(keep_asked_only, dispatch_uid="core.prepared.keep_asked_only")
