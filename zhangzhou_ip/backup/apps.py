from django.apps import AppConfig


class BackupConfig(AppConfig):
    """No models: registered so that ``manage.py backup`` and ``restore`` are found. It sits at
    the top layer with the statistics because a backup spans every app."""

    name = "zhangzhou_ip.backup"
    label = "backup"
    verbose_name = "Backup and restore"
