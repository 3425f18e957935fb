"""Duplicate detection: the rules' on/off switches, the pairs users said are not duplicates, the detection
jobs and the groups they found, and the merges (with what each moved, so that it can be undone)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DuplicateRule(models.Model):
    """A published duplicate rule (registered in code by its app's duplicates.py), which a System
    Administrator can turn off. Its row is created active after every migrate (registry.sync_rules)."""

    key = models.CharField(_("rule"), max_length=60, unique=True)
    model = models.CharField(_("kind of record"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("duplicate rule")
        verbose_name_plural = _("duplicate rules")
        ordering = ["model", "key"]

    def __str__(self):
        return self.name


class NotDuplicate(models.Model):
    """Two records a user said are not duplicates: never offered as a pair again. ``first_id`` < ``second_id``."""

    model = models.CharField(_("kind of record"), max_length=60)
    first_id = models.BigIntegerField()
    second_id = models.BigIntegerField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    decided_at = models.DateTimeField(_("on"), auto_now_add=True)

    class Meta:
        verbose_name = _("pair that is not a duplicate")
        verbose_name_plural = _("pairs that are not duplicates")
        constraints = [
            models.UniqueConstraint(fields=["model", "first_id", "second_id"], name="not_duplicate_pair_unique"),
            models.CheckConstraint(condition=Q(first_id__lt=F("second_id")), name="not_duplicate_pair_ordered"),
        ]

    def __str__(self):
        return f"{self.model} {self.first_id} / {self.second_id}"


class ScanState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DuplicateScan(models.Model):
    """A duplicate detection job: one kind of record scanned with the active rules by the task worker."""

    model = models.CharField(_("kind of record"), max_length=60)
    state = models.CharField(_("state"), max_length=10, choices=ScanState.choices, default=ScanState.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("started by")
    )
    requested_at = models.DateTimeField(_("requested on"), auto_now_add=True)
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)
    records_scanned = models.PositiveIntegerField(_("records scanned"), default=0)
    groups_found = models.PositiveIntegerField(_("groups found"), default=0)
    rules = models.JSONField(_("rules"), default=list)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("duplicate detection job")
        verbose_name_plural = _("duplicate detection jobs")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ScanState.values), name="duplicate_scan_state_valid"),
            # One job at a time per kind of record: a second start finds the first (crm.duplicates.scan).
            models.UniqueConstraint(
                fields=["model"],
                condition=Q(state__in=[ScanState.QUEUED, ScanState.RUNNING]),
                name="duplicate_scan_one_unfinished",
            ),
        ]

    def __str__(self):
        return f"{self.model} ({self.get_state_display()})"

    @property
    def finished(self):
        return self.state in (ScanState.DONE, ScanState.FAILED)


class DuplicateGroup(models.Model):
    """Records a scan found alike: the rules that matched them, the values they share, and their ids."""

    scan = models.ForeignKey(DuplicateScan, on_delete=models.CASCADE, related_name="groups", verbose_name=_("job"))
    rules = models.JSONField(_("rules"), default=list)
    shared = models.JSONField(_("shared values"), default=list)
    size = models.PositiveIntegerField(_("records"))
    # The first GROUP_LIMIT ids (crm.duplicates.scan), in id order.
    record_ids = models.JSONField(_("records"), default=list)

    class Meta:
        verbose_name = _("duplicate group")
        verbose_name_plural = _("duplicate groups")
        ordering = ["scan", "pk"]

    def __str__(self):
        return ", ".join(map(str, self.record_ids))


class RecordMerge(models.Model):
    """A merge of a subordinate record into its master: what the master's fields were, and every record
    moved, so that an undo puts back exactly that."""

    model = models.CharField(_("kind of record"), max_length=60)
    master_id = models.BigIntegerField(_("master record"))
    subordinate_id = models.BigIntegerField(_("subordinate record"))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged by")
    )
    merged_at = models.DateTimeField(_("merged on"), auto_now_add=True)
    # {field name: the master's value before} of the fields the master took from the subordinate.
    master_before = models.JSONField(default=dict)
    # {field name: the value the master took}: an undo gives back only the fields still at it.
    master_after = models.JSONField(default=dict)
    master_version = models.PositiveIntegerField(default=0)
    subordinate_before = models.JSONField(default=dict)
    # [[model label, field name, [ids]]]: the records whose link moved from the subordinate to the master.
    moved = models.JSONField(default=list)
    undone_at = models.DateTimeField(_("undone on"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-merged_at", "-pk"]
        permissions = [
            ("merge_any_record", _("Can merge records owned by others")),
            ("find_duplicates", _("Can run duplicate detection jobs")),
        ]
        indexes = [
            models.Index(fields=["model", "subordinate_id"], name="merge_subordinate_idx"),
            models.Index(fields=["model", "master_id"], name="merge_master_idx"),
        ]

    def __str__(self):
        return f"{self.model} {self.subordinate_id} → {self.master_id}"
