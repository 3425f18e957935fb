"""Import jobs: who imported what, how it went, and which records each job wrote."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.jobs import JobProgress


def import_targets():
    """What the apps registered for import (crm.imports.registry), as choices: a job imports one of them."""
    from crm.imports.registry import IMPORTS

    return [(key, kind.label) for key, kind in IMPORTS.items()]


class ImportMode(models.TextChoices):
    CREATE = "create", _("Create new records only")
    UPDATE = "update", _("Update existing records only")
    UPSERT = "upsert", _("Create and update")


class ImportState(models.TextChoices):
    # Contexts: in Romanian a job's state agrees with "lucrare" (feminine singular), a count does not.
    # Uploaded, its columns and values being mapped in the wizard: nothing runs until the importer starts it.
    DRAFT = "draft", pgettext_lazy("import job", "Being prepared")
    QUEUED = "queued", pgettext_lazy("import job", "Queued")
    RUNNING = "running", pgettext_lazy("import job", "Running")
    COMPLETED = "completed", pgettext_lazy("import job", "Completed")
    FAILED = "failed", pgettext_lazy("import job", "Failed")
    # Its worker stopped without finishing (killed, restarted): queued again to resume from its last batch.
    INTERRUPTED = "interrupted", pgettext_lazy("import job", "Interrupted")
    UNDONE = "undone", pgettext_lazy("import job", "Undone")


class ImportSource(models.TextChoices):
    WEB = "web", _("Import page")
    ADMIN = "admin", _("Administration")
    COMMAND = "command", _("Command line")


class OnDuplicate(models.TextChoices):
    SKIP = "skip", _("Skip them")
    IMPORT = "import", _("Import them anyway")


class ImportJob(JobProgress, models.Model):
    """One import of a file: its options, progress, counts and outcome."""

    finished_states = (ImportState.COMPLETED, ImportState.FAILED, ImportState.UNDONE)

    # Which imports exist is up to the installed apps (their imports.py), as for the exports' targets.
    target = models.CharField(_("records"), max_length=20, choices=import_targets)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices, default=ImportMode.UPSERT)
    all_or_nothing = models.BooleanField(_("all or nothing"), default=False)
    create_missing_accounts = models.BooleanField(_("create missing accounts"), default=False)
    dry_run = models.BooleanField(_("dry run"), default=False)
    # A new row like an existing record by a duplicate rule (crm.duplicates): skipped, or imported all the same.
    on_duplicate = models.CharField(
        _("possible duplicates"), max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.SKIP
    )
    source = models.CharField(_("started from"), max_length=10, choices=ImportSource.choices, default=ImportSource.WEB)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    file_format = models.CharField(_("format"), max_length=40, blank=True)
    # The encoding the importer chose for a text file (CSV, vCard); empty: recognised from its content.
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ImportState.choices, default=ImportState.QUEUED)
    message = models.TextField(_("message"), blank=True)
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    # The wizard's choices: {header index: field key, "" to ignore}, and {choice field: {source value: option}}.
    chosen_columns = models.JSONField(_("chosen columns"), null=True, blank=True)
    chosen_values = models.JSONField(_("chosen values"), null=True, blank=True)
    data_map = models.ForeignKey(
        "crm.DataMap",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("data map"),
    )
    # What the reader noticed (encoding, notes above the header, footer lines, organisation cards), for the job page.
    file_notes = models.JSONField(_("notes on the file"), default=dict, blank=True)
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    duplicate_count = models.PositiveIntegerField(_("possible duplicates"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imported by"),
        db_index=False,  # importjob_user_created_idx leads with it
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    resumes = models.PositiveSmallIntegerField(
        _("resumes"), default=0, help_text=_("How many times the job was resumed after its worker stopped.")
    )
    undone_at = models.DateTimeField(_("undone on"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        app_label = "crm"
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-pk"]
        permissions = [("import_data", _("Can import data"))]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_created_idx")]

    def __str__(self):
        return f"{self.get_target_display()}: {self.file_name}"

    def get_absolute_url(self):
        return reverse("imports:detail", args=[self.pk])



class DataMap(models.Model):
    """A named mapping of a file's columns to fields, and of its values to options, to import such files again.

    Offered by the wizard when a file with the same headers comes; ``import_data ... --map NAME`` uses it.
    ``columns`` is {source header: field key, "" to ignore}; ``values`` is {field key: {source value: option}}.
    """

    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("records"), max_length=20, choices=import_targets)
    columns = models.JSONField(_("columns"), default=dict)
    values = models.JSONField(_("values"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified on"), auto_now=True)

    class Meta:
        app_label = "crm"
        verbose_name = _("data map")
        verbose_name_plural = _("data maps")
        ordering = ["target", "name"]
        constraints = [models.UniqueConstraint(fields=["target", "name"], name="datamap_target_name_unique")]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from crm.imports.columns import PAIRED
        from crm.imports.registry import import_kind

        read = import_kind(self.target)
        known = {column.key for column in read.known} | {"", PAIRED}
        if not isinstance(self.columns, dict) or not all(isinstance(key, str) for key in self.columns.values()):
            raise ValidationError({"columns": _("Give the columns as {\"header\": \"field\"}.")})
        unknown = sorted(key for key in self.columns.values() if key not in known)
        if unknown:
            raise ValidationError(
                {"columns": _("These are not fields of this import: %(keys)s.") % {"keys": ", ".join(unknown)}}
            )
        if not isinstance(self.values, dict):
            raise ValidationError({"values": _("Give the values as {\"field\": {\"value\": \"option\"}}.")})
        for key, chosen in self.values.items():
            options = (
                {value for value, _label in read.model._meta.get_field(key).flatchoices}
                if any(column.key == key and column.kind == "choice" for column in read.columns)
                else None
            )
            if options is None or not isinstance(chosen, dict) or any(o and o not in options for o in chosen.values()):
                raise ValidationError(
                    {"values": _("The values given for %(field)s are not options of that field.") % {"field": key}}
                )

    def fits(self, headers) -> bool:
        """Whether the map names exactly these headers (in any order): the file it was saved from, or one like it."""
        return set(self.columns) == {header for header in headers if header}


class ImportAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")


class ImportJobRecord(models.Model):
    """A record an import job created or updated, with its values before the update (for undo)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="records", verbose_name=_("import job"))
    target = models.CharField(_("records"), max_length=20, choices=import_targets)
    object_id = models.BigIntegerField(_("record"))
    action = models.CharField(_("action"), max_length=10, choices=ImportAction.choices)
    previous = models.JSONField(_("previous values"), null=True, blank=True)
    written_at = models.DateTimeField(_("written on"))

    class Meta:
        app_label = "crm"
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        indexes = [models.Index(fields=["target", "object_id"], name="importjobrecord_object_idx")]

    def __str__(self):
        return f"{self.target} {self.object_id} ({self.action})"


class ImportRowIssue(models.Model):
    """A row the import did not write, failed (with the reason) or skipped (a duplicate), or wrote with a warning."""

    class Kind(models.TextChoices):
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        # Written all the same: a value was left out (one fitting none of an optional choice field's options).
        WARNING = "warning", _("Warning")
        # Like an existing record by a duplicate rule other than the import's own key: skipped or imported
        # as the importer chose (ImportJob.on_duplicate), and listed either way.
        DUPLICATE = "duplicate", _("Possible duplicate")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues", verbose_name=_("import job"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=255, blank=True)
    message = models.TextField(_("reason"))
    values = models.JSONField(_("original values"), default=list)

    class Meta:
        app_label = "crm"
        verbose_name = _("import row issue")
        verbose_name_plural = _("import row issues")
        ordering = ["row_number", "pk"]

    def __str__(self):
        return f"{self.row_number}: {self.message}"
