from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_shipped_articles(sender, using, **kwargs):
    """The shipped articles are part of the product: every ``migrate`` (and every emptying of a
    test database, which Django follows with the same signal) loads the ones missing or changed,
    like Django's own content types and permissions."""
    from partnerhub.help.loading import articles_load

    articles_load(using=using)


class HelpConfig(AppConfig):
    name = "partnerhub.help"
    label = "help"
    verbose_name = "Help centre"

    def ready(self) -> None:
        post_migrate.connect(_load_shipped_articles, sender=self, dispatch_uid="help-articles-load")
