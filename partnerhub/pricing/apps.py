from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "partnerhub.pricing"
    label = "pricing"
    verbose_name = "Pricing and Single Bill"
