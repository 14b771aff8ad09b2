from django.apps import AppConfig


class StatsConfig(AppConfig):
    """No models: registered so that ``rules.py`` is autodiscovered like every app's, and to
    connect the statistics cache's invalidation to the apps' writes."""

    name = "zhangzhou_ip.stats"
    label = "stats"
    verbose_name = "Statistics"

    def ready(self) -> None:
        from zhangzhou_ip.stats import cache

        cache.connect()
