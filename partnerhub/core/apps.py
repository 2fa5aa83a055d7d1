from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "partnerhub.core"
    label = "core"

    def ready(self):
        from partnerhub.core.ratelimit import check_rates

        checks.register(check_rates)
