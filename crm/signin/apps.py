from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class SignInConfig(AppConfig):
    default = True
    name = "crm.signin"
    label = "signin"
    verbose_name = _("Sign-in")

    def ready(self):
        from crm.signin import throttling

        throttling.connect_signals()


class CrmAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose site (admin.site) asks for a verified second factor when the setting requires it."""

    default = False
    default_site = "crm.signin.admin_site.CrmAdminSite"
