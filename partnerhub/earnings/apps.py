from django.apps import AppConfig


class EarningsConfig(AppConfig):
    name = "partnerhub.earnings"
    label = "earnings"
