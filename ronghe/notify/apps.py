from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "ronghe.notify"
    label = "notify"
    verbose_name = "Notifications"
