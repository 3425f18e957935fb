"""The Import Data wizard, as in Dynamics 365: upload, map the columns, map the values, review, import.

The uploaded file is kept with a job in the DRAFT state; each step records the
importer's choices on the job (``chosen_columns``, ``chosen_values``), and
``import_job_begin`` hands it to the engine as any other job, with those choices
as the import's own mapping. The choices can be saved as a named DataMap, offered
when a file with the same headers comes again and used by ``import_data --map``.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.imports.columns import PAIRED, suggest_columns
from crm.imports.engine import _choice_lookup
from crm.imports.models import DataMap, ImportJob, ImportState
from crm.imports.readers import ENCODING_NAMES, FileRefused, open_table
from crm.imports.registry import import_kind
from crm.imports.services import UNCHECKED, import_job_record, launch
from crm.imports.values import clean_text, normalize_label

SAMPLE_ROWS = 10_000  # rows read for the sample values and the distinct values of the choice fields
MOST_VALUES = 200  # distinct values of one choice field offered for mapping


@transaction.atomic
def import_job_prepare(*, actor, target, uploaded_file, options, checked=UNCHECKED, encoding="") -> ImportJob:
    """Keep ``uploaded_file`` with a job in the DRAFT state for the wizard's steps; nothing is imported yet."""
    job, _table = import_job_record(
        actor=actor,
        target=target,
        uploaded_file=uploaded_file,
        options=options,
        checked=checked,
        encoding=encoding,
        state=ImportState.DRAFT,
    )
    return job


def require_draft(job, actor):
    """Only the importer who uploaded a file maps it, and only until it is imported."""
    if job.created_by_id != actor.pk:
        raise ValidationError(_("Only the user who uploaded the file can map and import it."), code="not_yours")
    if job.state != ImportState.DRAFT:
        raise ValidationError(_("This import has already started: its columns can no longer be changed."))


@dataclass
class FileSample:
    """What the wizard shows of a file: its headers, a few values per column, its rows read."""

    headers: list
    samples: dict  # header index: [the first few non-empty values]
    rows: list  # the first rows, as read
    distinct: dict  # header index: {value: None}, up to MOST_VALUES each, over the first SAMPLE_ROWS rows
    more_values: set  # the header indexes with more distinct values than MOST_VALUES
    read: int
    more: bool
    extra: dict = None  # what the reader noticed: the encoding, how it was found, the candidates when weak


def read_sample(job, *, rows=SAMPLE_ROWS, keep_rows=5) -> FileSample:
    """Read the head of the job's file (up to ``rows`` rows) for the mapping, values and review steps."""
    job.file.open("rb")
    try:
        table = open_table(job.file.file, encoding=job.encoding or None)
        headers = list(table.headers)
        samples = {index: [] for index in range(len(headers))}
        distinct = {index: {} for index in range(len(headers))}
        more_values = set()
        kept, read, more = [], 0, False
        for _number, cells in table.rows:
            if read == rows:
                more = True
                break
            read += 1
            if len(kept) < keep_rows:
                kept.append(cells)
            for index in range(len(headers)):
                value = clean_text(cells[index]) if index < len(cells) else ""
                if not value:
                    continue
                if len(samples[index]) < 3:
                    samples[index].append(value)
                if len(distinct[index]) < MOST_VALUES:
                    distinct[index].setdefault(value, None)
                elif value not in distinct[index]:
                    more_values.add(index)
        close = getattr(table.rows, "close", None)
        if close:
            close()
    except FileRefused as error:
        raise ValidationError(str(error)) from error
    finally:
        job.file.close()
    return FileSample(headers, samples, kept, distinct, more_values, read, more, dict(table.extra))


def column_suggestions(job, sample: FileSample):
    """The mapping step's proposal for each column: the job's choice, else a fitting data map's, else a guess."""
    read = import_kind(job.target)
    suggestions = suggest_columns(sample.headers, read.known, read.model, pairs=read.pairs, samples=sample.samples)
    data_map = job.data_map or data_map_fitting(job.target, sample.headers)
    return suggestions, data_map


def field_choices(target):
    """[(field key, label)] a column may be mapped to, the split columns (Full Name) among them."""
    read = import_kind(target)
    choices = [(column.key, str(column.label)) for column in read.columns]
    for column in read.splits:
        if getattr(column, "joins", ""):
            joined = _("%(column)s (joined to %(field)s)") % {
                "column": column.label,
                "field": _label_of(read, column.joins),
            }
            choices.append((column.key, joined))
            continue
        into = ", ".join(str(_label_of(read, key)) for key in column.into)
        choices.append((column.key, _("%(column)s (split into %(fields)s)") % {"column": column.label, "fields": into}))
    if read.pairs:
        choices.append((PAIRED, _("Phone, by the type column beside it")))
    return choices


def _label_of(read, key):
    return next(column.label for column in read.columns if column.key == key)


def check_columns(target, headers, chosen) -> None:
    """Refuse a mapping that names a field twice or leaves a required field without a column; say which."""
    read = import_kind(target)
    by_key = {column.key: column for column in read.known}
    errors = []
    seen = {}
    for index, key in sorted(chosen.items()):
        if key in ("", PAIRED):
            continue
        if key not in by_key:
            errors.append(
                _("“%(header)s” is mapped to a field this import does not have.") % {"header": headers[index]}
            )
            continue
        if key in seen:
            errors.append(
                _("“%(first)s” and “%(second)s” both go to %(field)s: choose one, or ignore the other.")
                % {"first": headers[seen[key]], "second": headers[index], "field": by_key[key].label}
            )
        seen.setdefault(key, index)
    filled = set(seen) | {key for key in seen for key in getattr(by_key[key], "into", ())}
    for column in read.columns:
        if column.required and column.key not in filled:
            errors.append(
                _("%(field)s is required and no column goes to it: map one of the file's columns to it.")
                % {"field": column.label}
            )
    if errors:
        raise ValidationError(errors, code="mapping")


@transaction.atomic
def import_job_set_columns(*, job, actor, chosen, save_as="", data_map=None) -> ImportJob:
    """Record the mapping step's choice ({header index: field key or ""}); save it as a data map when named.

    ``data_map``: the map the step applied, whose values mapping is offered next.
    """
    require_draft(job, actor)
    check_columns(job.target, job_headers(job), chosen)
    job.chosen_columns = {str(index): key for index, key in chosen.items()}
    if data_map is not None:
        job.data_map = data_map
    if save_as:
        job.data_map = data_map_save(
            actor=actor,
            target=job.target,
            name=save_as,
            headers=job_headers(job),
            chosen=chosen,
            values=job.chosen_values or {},
        )
    job.save(update_fields=["chosen_columns", "data_map", "headers"])
    return job


def job_headers(job):
    if not job.headers:
        job.headers = read_sample(job, rows=0, keep_rows=0).headers
    return job.headers


def mapped_choice_fields(job):
    """[(field key, label, header index)] of the choice fields the job's mapping feeds."""
    read = import_kind(job.target)
    chosen = {int(index): key for index, key in (job.chosen_columns or {}).items()}
    kinds = {column.key: column for column in read.columns if column.kind == "choice"}
    return [(key, kinds[key].label, index) for index, key in sorted(chosen.items()) if key in kinds]


def value_suggestions(job, sample: FileSample):
    """For each mapped choice field: its options, and each distinct source value with the option suggested.

    An option is suggested when the value folds (case, spaces, punctuation, diacritics) to its value, its
    English or Romanian label, or a known synonym; the job's own earlier choice, then its data map's, win.
    """
    read = import_kind(job.target)
    earlier = job.chosen_values or {}
    mapped = (job.data_map.values if job.data_map else {}) or {}
    fields = []
    for key, label, index in mapped_choice_fields(job):
        column = next(column for column in read.columns if column.key == key)
        lookup = _choice_lookup(read.model, key, column.choice_synonyms())
        options = [(value, str(text)) for value, text in read.model._meta.get_field(key).flatchoices if value != ""]
        values = []
        for value in sample.distinct.get(index, {}):
            if key in earlier and value in earlier[key]:
                suggested = earlier[key][value]
            elif key in mapped and value in mapped[key]:
                suggested = mapped[key][value]
            else:
                suggested = lookup.get(normalize_label(value), "")
            values.append((value, suggested))
        fields.append(
            {"key": key, "label": label, "options": options, "values": values, "more": index in sample.more_values}
        )
    return fields


@transaction.atomic
def import_job_set_values(*, job, actor, chosen) -> ImportJob:
    """Record the values step's choice ({field key: {source value: option or ""}}), checking every option."""
    require_draft(job, actor)
    model = import_kind(job.target).model
    for key, values in chosen.items():
        options = {value for value, _label in model._meta.get_field(key).flatchoices}
        for source, option in values.items():
            if option and option not in options:
                raise ValidationError(
                    _("“%(option)s” is not an option of %(field)s (for the value “%(value)s”).")
                    % {"option": option, "field": model._meta.get_field(key).verbose_name, "value": source}
                )
    job.chosen_values = chosen
    job.save(update_fields=["chosen_values"])
    if job.data_map_id and job.data_map.created_by_id == actor.pk:
        DataMap.objects.filter(pk=job.data_map_id).update(values=chosen)
    return job


@transaction.atomic
def import_job_begin(*, job, actor) -> ImportJob:
    """Start the mapped import: the job is queued (or run now when small) with the wizard's choices."""
    require_draft(job, actor)
    if job.chosen_columns is None:
        raise ValidationError(_("Map the file's columns first."), code="not_mapped")
    job.state = ImportState.QUEUED
    job.save(update_fields=["state"])
    launch(job, table=None, read_size=job.file_size)
    return job


def data_map_fitting(target, headers):
    """The most recently saved data map of ``target`` naming exactly these headers, if any."""
    for data_map in DataMap.objects.filter(target=target).order_by("-modified_at"):
        if data_map.fits(headers):
            return data_map
    return None


def data_map_get(*, target, name) -> DataMap:
    try:
        return DataMap.objects.get(target=target, name=name)
    except DataMap.DoesNotExist:
        names = ", ".join(DataMap.objects.filter(target=target).values_list("name", flat=True)) or _("none")
        raise ValidationError(
            _("There is no data map “%(name)s” for %(target)s. Those there are: %(names)s.")
            % {"name": name, "target": target, "names": names},
            code="no_data_map",
        ) from None


def data_map_save(*, actor, target, name, headers, chosen, values) -> DataMap:
    """Save the mapping under ``name``: a new data map, or the actor's own of that name replaced."""
    name = clean_text(name)[:100]
    columns = {headers[index]: key for index, key in chosen.items() if headers[index]}
    existing = DataMap.objects.select_for_update().filter(target=target, name=name).first()
    if existing is not None:
        if existing.created_by_id != actor.pk and not actor.is_superuser:
            raise ValidationError(
                {"save_as": _("A data map “%(name)s” was saved by someone else: choose another name.") % {"name": name}}
            )
        existing.columns, existing.values = columns, values
        existing.save(update_fields=["columns", "values", "modified_at"])
        return existing
    try:
        with transaction.atomic():
            return DataMap.objects.create(name=name, target=target, columns=columns, values=values, created_by=actor)
    except IntegrityError:
        raise ValidationError(
            {"save_as": _("A data map “%(name)s” was just saved: choose another name.") % {"name": name}}
        ) from None


def data_map_options(data_map, headers):
    """``data_map`` as the engine's options for a file with ``headers``: ({header index: key}, values)."""
    columns = {index: data_map.columns.get(header, "") for index, header in enumerate(headers)}
    return columns, data_map.values or {}


def data_map_list(target):
    return list(DataMap.objects.filter(target=target).select_related("created_by"))


def data_map_choice(target, pk):
    """The data map the importer picked on the mapping step (by id), or None when it is not one of ``target``."""
    if not (isinstance(pk, str) and pk.isascii() and pk.isdigit() and len(pk) < 10):
        return None
    return DataMap.objects.filter(target=target, pk=int(pk)).first()


def review(job, sample: FileSample):
    """The review step: each mapped column with its field and its first values as the import reads them.

    A choice field's value is shown as the option the values step chose for it.
    """
    read = import_kind(job.target)
    labels = dict(field_choices(job.target))
    chosen = {int(index): key for index, key in (job.chosen_columns or {}).items()}
    values = job.chosen_values or {}
    columns = []
    for index, key in sorted(chosen.items()):
        if not key:
            continue
        options = {}
        if key in values:
            flat = dict(read.model._meta.get_field(key).flatchoices)
            options = {source: str(flat.get(option, "")) for source, option in values[key].items()}
        cells = []
        for row in sample.rows:
            value = clean_text(row[index]) if index < len(row) else ""
            cells.append(options.get(value, value))
        columns.append({"header": sample.headers[index], "field": labels.get(key, key), "cells": cells})
    ignored = [sample.headers[index] for index, key in sorted(chosen.items()) if not key and sample.headers[index]]
    return {"columns": columns, "ignored": ignored, "rows": len(sample.rows), "total": job.total_rows}


ENCODINGS = ("utf-8", "utf-16", "cp1250", "cp1252", "iso-8859-2", "mac_roman")


def encoding_review(job, sample: FileSample):
    """What the review says of a text file's encoding: the one read, how it was found, the others it could be."""
    name = sample.extra.get("encoding_name")
    if not name:
        return None  # a workbook or XML: its encoding is its own
    candidates = [ENCODING_NAMES.get(code, code) for code in sample.extra.get("encoding_candidates", ())]
    return {
        "name": name,
        "chosen": bool(job.encoding),
        "weak": len(candidates) > 1,
        "candidates": [candidate for candidate in candidates if candidate != name],
    }


@transaction.atomic
def import_job_set_encoding(*, job, actor, encoding) -> ImportJob:
    """Read the job's text file in ``encoding`` ("" to recognise it again), for every step and the import."""
    require_draft(job, actor)
    if encoding and encoding not in ENCODINGS:
        raise ValidationError(_("“%(encoding)s” is not an encoding this import knows.") % {"encoding": encoding})
    job.encoding = encoding
    job.save(update_fields=["encoding"])
    return job
