from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "partnerhub.organizations"
    label = "organizations"
    verbose_name = "Organizations"
