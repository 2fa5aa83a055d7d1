from django.apps import AppConfig


class MovesConfig(AppConfig):
    name = "partnerhub.moves"
    label = "moves"
