"""Filling the duplicate keys of records stored before the keys existed, in batches (the keys' migrations)."""

BATCH = 5000


def fill_keys(model, fields, derive, *, batch=BATCH):
    """Set ``derive(record)`` ({key field: value}) on every record of ``model`` (a migration's historical model),
    reading ``fields``, ``batch`` records per UPDATE; return how many were written."""
    last, written = 0, 0
    while True:
        records = list(model._base_manager.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:batch])
        if not records:
            return written
        for record in records:
            for name, value in derive(record).items():
                setattr(record, name, value)
        names = list(derive(records[0]))
        model._base_manager.bulk_update(records, names, batch_size=1000)
        written += len(records)
        last = records[-1].pk
