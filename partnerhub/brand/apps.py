from django.apps import AppConfig


class BrandConfig(AppConfig):
    name = "partnerhub.brand"
    label = "brand"
    verbose_name = "Brand control"
