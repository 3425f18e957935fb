"""Export jobs: a large list written to a file by the task worker, for the user who asked to download."""

from django.conf import settings
from django.db import models
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.jobs import JobProgress


def export_targets():
    """The lists the apps registered for export (crm.exports.sources): a job exports one of them."""
    from crm.exports.sources import target_choices

    return target_choices()


class ExportFormat(models.TextChoices):
    # File format names, the same in every language (as the list's Export menu shows them).
    XLSX = "xlsx", "Excel (.xlsx)"
    CSV = "csv", "CSV"
    XML = "xml", "XML Spreadsheet 2003"


class ExportState(models.TextChoices):
    # Context: in Romanian a job's state agrees with "lucrare" (feminine singular).
    QUEUED = "queued", pgettext_lazy("export job", "Queued")
    RUNNING = "running", pgettext_lazy("export job", "Running")
    COMPLETED = "completed", pgettext_lazy("export job", "Completed")
    FAILED = "failed", pgettext_lazy("export job", "Failed")


class ExportJob(JobProgress, models.Model):
    """One export of a list (its search and filters, in its user's scope): progress, outcome and file."""

    finished_states = (ExportState.COMPLETED, ExportState.FAILED)

    # Which lists exist is up to the installed apps, so the choices are checked by full_clean(), not the database.
    target = models.CharField(_("records"), max_length=20, choices=export_targets)
    file_format = models.CharField(_("format"), max_length=10, choices=ExportFormat.choices)
    query = models.TextField(
        _("search and filters"), blank=True, help_text=_("The list's query string when the export was asked for.")
    )
    # The file's column labels and choice labels are written in the language of the page it was asked from.
    language = models.CharField(_("language"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ExportState.choices, default=ExportState.QUEUED)
    message = models.TextField(_("message"), blank=True)
    total_rows = models.PositiveIntegerField(_("rows to export"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True, max_length=300)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("exported by"),
        db_index=False,  # exportjob_user_created_idx leads with it
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        app_label = "crm"
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="exportjob_user_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(file_format__in=ExportFormat.values), name="exportjob_file_format_valid"
            ),
            models.CheckConstraint(condition=models.Q(state__in=ExportState.values), name="exportjob_state_valid"),
        ]

    def __str__(self):
        return f"{self.get_target_display()} ({self.get_file_format_display()})"

    def get_absolute_url(self):
        return reverse("exports:detail", args=[self.pk])

    @property
    def list_url(self):
        """The list the export was asked from, with its search and filters."""
        query = QueryDict(self.query, mutable=True)
        query.pop("format", None)
        url = reverse(f"{self.target}:list")
        return f"{url}?{query.urlencode()}" if query else url

    @property
    def download_name(self):
        """The file name the download offers: the list, the day it was asked for and the format (ASCII only)."""
        day = timezone.localdate(self.created_at) if self.created_at else timezone.localdate()
        return f"{self.target}-{day:%Y-%m-%d}.{self.file_format}"

