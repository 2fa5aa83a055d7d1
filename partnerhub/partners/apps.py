from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partnerhub.partners"
    label = "partners"
