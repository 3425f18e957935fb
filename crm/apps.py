from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self):
        from django.db.models import fields

        from crm import checks, lookups, preferences  # noqa: F401 (the system checks, the one_of lookup, the sign-in time zone)
        from crm.activities.registry import autodiscover as autodiscover_timelines
        from crm.exports.sources import autodiscover as autodiscover_exports
        from crm.imports.registry import autodiscover as autodiscover_imports
        from crm.roles import sync_security_roles

        post_migrate.connect(sync_security_roles, dispatch_uid="crm.sync_security_roles")
        # Each app's imports.py registers what it imports; its exports.py its lists' exports.
        autodiscover_imports()
        autodiscover_exports()
        autodiscover_timelines()  # each app's timeline.py: what its records' timelines roll up
        # The empty choice of every select: Django's own words, marked again here so that our catalog has them
        # to translate (Django's Romanian catalog lacks them).
        fields.BLANK_CHOICE_LABEL = _("- Select an option -")
