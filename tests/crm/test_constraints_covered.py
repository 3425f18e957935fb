"""Every database constraint of the CRM schema has a test that writes past the ORM's checks to violate it."""

from pathlib import Path

import pytest
from django.apps import apps

SALES_APPS = ["accounts", "contacts", "opportunities", "invoices", "activities"]
TESTS = Path(__file__).resolve().parent.parent


def constraint_names():
    for app_label in SALES_APPS:
        for model in apps.get_app_config(app_label).get_models():
            for constraint in model._meta.constraints:
                yield constraint.name


@pytest.mark.parametrize("name", sorted(constraint_names()))
def test_the_constraint_is_violated_in_a_model_test(name):
    sources = "".join(path.read_text(encoding="utf-8") for path in TESTS.glob("*/test_models.py"))
    assert f'violates("{name}")' in sources, f"no test_models.py violates {name}"
