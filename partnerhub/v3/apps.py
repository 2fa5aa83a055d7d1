from django.apps import AppConfig


class V3Config(AppConfig):
    name = "partnerhub.v3"
    label = "v3"
    verbose_name = "V3 partner API"

    def ready(self) -> None:
        from partnerhub.v3 import topics

        topics.register()
