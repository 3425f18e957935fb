"""Duplicate detection benchmark on a seed_scale database (PostgreSQL): the check's time, the scan's time and
its recall on the planted duplicates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_1000000 python tests/bench/bench_duplicates.py

``seed_scale`` plants 3 duplicates per 1,000 accounts (each differing from its original in one way: its name
written another way, its website written another way, or its main phone written another way) and marks them
in their description. Printed:
- the check before a save (crm.duplicates.services.duplicates_find, every active rule, the fuzzy one
  included), p50 and p95 in ms over ``--samples`` accounts per shape of probe, and whether it found the
  account the probe was made from;
- the scan of all accounts and of all contacts (crm.duplicates.scan, as the task worker runs it): seconds,
  the groups found and the process's peak memory;
- recall: how many planted pairs are in one group; and the groups no planted pair explains, with a sample
  of them to judge by eye.
"""

import os
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")


def percentile(values, share):
    values = sorted(values)
    return values[max(0, int(round(share * len(values))) - 1)]


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=100, help="Accounts sampled per shape of probe.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-scan", action="store_true")
    options = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from accounts.models import Account
    from contacts.models import Contact
    from crm import roles
    from crm.duplicates.models import DuplicateGroup, DuplicateScan
    from crm.duplicates.registry import kind_of
    from crm.duplicates.scan import duplicates_scan_run
    from crm.duplicates.services import duplicates_find
    from crm.management.commands.seed_scale import PLANTED_MARK

    user, _ = get_user_model().objects.get_or_create(username="bench.manager")
    user.groups.add(Group.objects.get(name=roles.SALES_MANAGER))
    user = get_user_model().objects.get(pk=user.pk)
    total = Account.objects.count()
    print(f"Database {connection.settings_dict['NAME']}: {total:,} accounts, {Contact.objects.count():,} contacts")

    rng = random.Random(options.seed)
    last = Account.objects.order_by("-pk").values_list("pk", flat=True).first()
    first = Account.objects.order_by("pk").values_list("pk", flat=True).first()
    samples = []
    while len(samples) < options.samples:
        account = Account.objects.filter(pk__gte=rng.randint(first, last), merged_into=None).order_by("pk").first()
        if account and not account.description.startswith(PLANTED_MARK):
            samples.append(account)

    def typo(name):
        words = name.split()
        word = max(words, key=len)
        position = len(word) // 2
        return name.replace(word, word[:position] + word[position + 1 :], 1)

    shapes = {
        "name written another way": lambda a: Account(name=a.name.upper().replace("SRL", "S.R.L.")),
        "website written another way": lambda a: Account(
            name="X", website=a.website.replace("https://www.", "http://")
        ),
        "main phone written another way": lambda a: Account(name="X", main_phone="0" + a.phone_key[3:]),
        "a letter missing (fuzzy only)": lambda a: Account(name=typo(a.name)),
        "nothing alike": lambda a: Account(name=f"Zzyzx Quorvath {a.pk} Holding"),
    }
    print(f"\nThe check before a save, {options.samples} accounts per probe (ms):")
    print(f"{'probe':<34} {'p50':>7} {'p95':>7}  found the original")
    every = []
    for label, make in shapes.items():
        times, found = [], 0
        for account in samples:
            duplicates_find(make(account), user=user)  # warm
            candidates, elapsed = timed(duplicates_find, make(account), user=user)
            times.append(elapsed)
            found += any(candidate.record.pk == account.pk for candidate in candidates)
        every += times
        shown = f"{found}/{len(samples)}" if label != "nothing alike" else "—"
        print(f"{label:<34} {statistics.median(times):>7.1f} {percentile(times, 0.95):>7.1f}  {shown}")
    print(f"{'all probes':<34} {statistics.median(every):>7.1f} {percentile(every, 0.95):>7.1f}")

    contacts = list(Contact.objects.filter(pk__in=[rng.randint(1, 3_000_000) for _ in range(options.samples)]))
    times = []
    for contact in contacts:
        probe = Contact(first_name=contact.first_name, last_name=contact.last_name + "u", email=contact.email.upper())
        duplicates_find(probe, user=user)
        _found, elapsed = timed(duplicates_find, probe, user=user)
        times.append(elapsed)
    if times:
        print(f"{'contact: email in capitals':<34} {statistics.median(times):>7.1f} {percentile(times, 0.95):>7.1f}")

    if options.skip_scan:
        return
    print("\nThe scan (as the task worker runs it):")
    for model in (Account, Contact):
        kind = kind_of(model)
        DuplicateScan.objects.filter(model=kind.model_label, state__in=["queued", "running"]).delete()
        scan = DuplicateScan.objects.create(
            model=kind.model_label, requested_by=user, rules=[r.key for r in kind.rules]
        )
        started = time.perf_counter()
        scan = duplicates_scan_run(scan.pk)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  {kind.label}: {scan.records_scanned:,} records in {elapsed:.1f} s, {scan.groups_found:,} groups, "
            f"peak memory {peak:.0f} MB"
        )

    kind = kind_of(Account)
    groups = list(DuplicateGroup.objects.filter(scan__model=kind.model_label, scan__state="done").order_by("pk"))
    together = {}
    for group in groups:
        for pk in group.record_ids:
            together.setdefault(pk, set()).update(group.record_ids)
    planted = Account.objects.filter(description__startswith=PLANTED_MARK).values_list("pk", "description")
    pattern = re.compile(re.escape(PLANTED_MARK) + r"(\d+) \((\w+)\)")
    by_shape, pairs = {}, set()
    for pk, description in planted:
        original, shape = pattern.match(description).groups()
        original = int(original)
        pairs.add(frozenset((pk, original)))
        hits = by_shape.setdefault(shape, [0, 0])
        hits[1] += 1
        hits[0] += original in together.get(pk, ())
    found = sum(hits[0] for hits in by_shape.values())
    print(f"\nRecall on the planted duplicates: {found:,} of {len(pairs):,} pairs in one group")
    for shape, (hit, count) in sorted(by_shape.items()):
        print(f"  {shape:<12} {hit:,} of {count:,}")
    unexplained = [group for group in groups if not any(frozenset(pair) in pairs for pair in _pairs(group.record_ids))]
    print(f"Groups no planted pair explains: {len(unexplained):,} of {len(groups):,}")
    for group in rng.sample(unexplained, min(10, len(unexplained))):
        names = list(Account.objects.filter(pk__in=group.record_ids[:4]).values_list("name", flat=True))
        print(f"  {group.rules} {group.shared}: {names}")


def _pairs(ids):
    ids = list(ids)
    return [(a, b) for index, a in enumerate(ids) for b in ids[index + 1 :]]


if __name__ == "__main__":
    main()
