from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ronghe.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from ronghe.core import metrics

        metrics.autodiscover()  # each app's metrics.py registers its metrics (DESIGN.md §5)
