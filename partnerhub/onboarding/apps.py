from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "partnerhub.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"
