from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "partnerhub.notices"
    label = "notices"
    verbose_name = "Notices"
