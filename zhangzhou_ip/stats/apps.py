from django.apps import AppConfig


class StatsConfig(AppConfig):
    """No models: registered so that ``rules.py`` is autodiscovered like every app's."""

    name = "zhangzhou_ip.stats"
    label = "stats"
    verbose_name = "Statistics"
