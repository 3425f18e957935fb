"""System checks of the CRM: a production site must not let anyone sign in with a published demo password."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

RETIRE_HINT = (
    "This database was seeded with the demo users (seed_demo). Run `python manage.py retire_demo_users "
    "--deactivate` (or `--set-passwords` to give each a random password, printed once) before serving it "
    "with DEBUG off."
)


@register(Tags.security)
def check_demo_passwords(app_configs=None, **kwargs):
    """With DEBUG off, an Error for each active demo user whose password is still the published one.

    Cheap enough for every start: one query for the four demo user names, and one password hash
    per demo user found active. Silent when the database is not migrated or cannot be reached (the
    check runs before ``migrate`` too). The stored hash is only compared, never upgraded or saved.
    """
    if settings.DEBUG:
        return []
    from crm.demo import DEMO_USERS

    passwords = {demo.username: demo.password for demo in DEMO_USERS}
    try:
        users = list(
            get_user_model()
            ._default_manager.filter(username__in=passwords, is_active=True)
            .values_list("username", "password")
        )
    except DatabaseError:
        return []
    return [
        Error(
            f"The demo user {username!r} can sign in with its published password ({passwords[username]!r}).",
            hint=RETIRE_HINT,
            obj=settings.AUTH_USER_MODEL,
            id="crm.E010",
        )
        for username, encoded in sorted(users)
        if check_password(passwords[username], encoded)
    ]
