from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "partnerhub.imports"
    label = "imports"
