from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ronghe.accounts"
    label = "accounts"
    verbose_name = "Accounts"
