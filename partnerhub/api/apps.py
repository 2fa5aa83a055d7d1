from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "partnerhub.api"
    label = "api"
