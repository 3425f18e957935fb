import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Factories create many users; hashing their passwords the production way would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
