"""
WSGI config for crm project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/6.1/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'crm.settings')

application = get_wsgi_application()


def _refuse_published_demo_passwords():
    """With DEBUG off, refuse to serve while a demo user keeps its published password.

    gunicorn runs no system checks, so this one (crm.E010, a single cheap query) runs here; the
    others stay with ``manage.py check --deploy`` and ``migrate``.
    """
    from django.core.exceptions import ImproperlyConfigured

    from crm.checks import check_demo_passwords

    errors = check_demo_passwords()
    if errors:
        raise ImproperlyConfigured("\n".join(f"{error.msg} {error.hint}" for error in errors))


_refuse_published_demo_passwords()
