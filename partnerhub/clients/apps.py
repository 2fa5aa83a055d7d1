from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "partnerhub.clients"
    label = "clients"
