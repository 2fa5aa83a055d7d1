from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "partnerhub.people"
    label = "people"
    verbose_name = "People"
