from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "crm.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicate detection")

    def ready(self):
        from crm.duplicates.registry import autodiscover, sync_rules

        autodiscover()  # each app's duplicates.py: its rules, what its records' merge moves
        post_migrate.connect(sync_rules, sender=self, dispatch_uid="crm.duplicates.sync_rules")
