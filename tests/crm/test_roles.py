"""The security roles: groups made by the migration, with Dynamics' default depths."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from crm import roles

pytestmark = pytest.mark.django_db

SALES_MODELS = ["account", "contact", "opportunity", "invoice", "activity"]


def codenames(group_name):
    return set(
        Group.objects.get(name=group_name).permissions.values_list("content_type__app_label", "codename")
    )


def test_the_three_roles_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.SALESPERSON, roles.SALES_MANAGER, roles.SYSTEM_ADMINISTRATOR
    }


@pytest.mark.parametrize("role", [roles.SALESPERSON, roles.SALES_MANAGER])
def test_the_groups_hold_exactly_the_permissions_the_roles_module_describes(role):
    assert codenames(role) == set(roles.ROLE_PERMISSIONS[role])


def test_salesperson_reads_creates_edits_all_and_deletes_or_reassigns_own():
    held = {codename for _app, codename in codenames(roles.SALESPERSON)}
    for model in SALES_MODELS:
        for action in ("view", "add", "change", "delete", "reassign"):
            assert f"{action}_{model}" in held
        assert f"delete_any_{model}" not in held
        assert f"reassign_any_{model}" not in held
    assert {"view_invoiceline", "add_invoiceline", "change_invoiceline", "delete_invoiceline"} <= held
    assert not any(codename.endswith("_user") or codename.endswith("_group") for codename in held)


def test_sales_manager_also_deletes_and_reassigns_any_record_and_imports():
    held = {codename for _app, codename in codenames(roles.SALES_MANAGER)}
    salesperson = {codename for _app, codename in codenames(roles.SALESPERSON)}
    assert held - salesperson == {f"{action}_{model}" for model in SALES_MODELS
                                  for action in ("delete_any", "reassign_any")} | {
        "import_data", "find_duplicates", "merge_any_record"}
    assert not any(codename.endswith("_user") for codename in held)


def test_system_administrator_holds_every_permission():
    assert codenames(roles.SYSTEM_ADMINISTRATOR) == set(
        Permission.objects.values_list("content_type__app_label", "codename")
    )


@pytest.mark.django_db(transaction=True)
def test_the_roles_come_back_after_a_flush():
    # Transactional tests (the race test, the browser tests) flush the database between tests.
    call_command("flush", interactive=False, verbosity=0)
    assert codenames(roles.SALESPERSON) == set(roles.ROLE_PERMISSIONS[roles.SALESPERSON])
    assert codenames(roles.SYSTEM_ADMINISTRATOR) == set(
        Permission.objects.values_list("content_type__app_label", "codename")
    )
