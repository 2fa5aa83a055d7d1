from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "partnerhub.access"
    label = "access"
