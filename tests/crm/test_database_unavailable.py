"""A lost database connection gives a 503 page asking to retry, not a 500; the next request works again.

The module is also the URLconf of its tests: the site's pages plus views that fail as a database would.
"""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    close_old_connections,
    connection,
)
from django.test import Client, RequestFactory
from django.urls import include, path, reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from crm import urls as site_urls
from crm.middleware import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware, database_unavailable
from tests.factories import AccountFactory

ERRORS = {
    "operational": OperationalError("terminating connection due to administrator command"),
    "interface": InterfaceError("connection already closed"),
    "integrity": IntegrityError("duplicate key value violates unique constraint"),
    "programming": ProgrammingError('relation "nowhere" does not exist'),
}


def fail_as_the_database_would(request, kind):
    raise ERRORS[kind]


urlpatterns = [path("fail/<str:kind>/", fail_as_the_database_would), path("", include(site_urls.urlpatterns))]
handler500 = site_urls.handler500

HINT = f"Wait {RETRY_AFTER_SECONDS} seconds, then try again."


def assert_is_the_503_page(response, *, retry_url=None):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "The CRM lost its connection to the database." in text
    if retry_url is not None:
        assert HINT in text
        assert f'href="{retry_url}"' in text
    assert "Traceback" not in text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("kind", ["operational", "interface"])
def test_a_view_that_loses_the_connection_gets_the_503_page(client, salesperson, kind):
    client.force_login(salesperson)
    response = client.get(f"/fail/{kind}/?page=2")
    assert_is_the_503_page(response, retry_url=f"/fail/{kind}/?page=2")
    # The next request is served as usual.
    assert client.get(reverse("accounts:list")).status_code == 200


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_form_posted_when_the_connection_is_lost_is_not_offered_again_blindly(client, salesperson):
    client.force_login(salesperson)
    response = client.post("/fail/operational/")
    assert_is_the_503_page(response)
    text = response.content.decode()
    assert "Your change may not have been saved." in text
    assert HINT not in text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("kind", ["integrity", "programming"])
def test_other_database_errors_stay_server_errors(salesperson, kind):
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)
    response = client.get(f"/fail/{kind}/")
    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.django_db
def test_a_connection_lost_before_the_view_gets_the_503_page_too(salesperson, monkeypatch):
    """The first query of a request is the session's, in the middleware: handler500 answers it."""
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)

    def load(self):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(SessionStore, "load", load)
        response = client.get(reverse("accounts:list"))
    assert_is_the_503_page(response, retry_url=reverse("accounts:list"))
    assert client.get(reverse("accounts:list")).status_code == 200


@pytest.mark.django_db
def test_the_503_page_renders_without_the_database(django_assert_num_queries):
    def not_now():
        raise AssertionError("the 503 page looked up the session or the user")

    request = RequestFactory().get("/accounts/")
    request.session = SimpleLazyObject(not_now)
    request.user = SimpleLazyObject(not_now)
    with django_assert_num_queries(0):
        response = DatabaseUnavailableMiddleware(lambda request: None).process_exception(
            request, OperationalError("server closed the connection unexpectedly")
        )
    assert_is_the_503_page(response, retry_url="/accounts/")
    assert DatabaseUnavailableMiddleware(lambda request: None).process_exception(request, ValueError()) is None


def test_the_503_page_is_in_the_users_language():
    with translation.override("ro"):
        response = database_unavailable(RequestFactory().get("/"), OperationalError("gone"))
    text = response.content.decode()
    assert "Reîncercați în câteva momente" in text
    assert "Așteptați 10 secunde, apoi încercați din nou." in text


# On PostgreSQL, for real: the request's connection is terminated by the server.


def terminate_backend(pid):
    """End the backend ``pid`` from a connection of our own, as an administrator or a restart would."""
    import psycopg2

    database = connection.settings_dict
    other = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"],
        port=database["PORT"] or None,
    )
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone() is None:
                    return
                time.sleep(0.05)
            raise AssertionError(f"backend {pid} still there after pg_terminate_backend")
    finally:
        other.close()


needs_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="terminates a PostgreSQL backend: DATABASE_URL is not PostgreSQL",
)


# Transactional: the terminated connection takes any transaction held open around the test with it.
@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_terminated_before_the_views_query_gets_503_then_the_next_request_works(client, salesperson):
    AccountFactory(name="Lactate Câmpulung SRL")
    client.force_login(salesperson)
    killed = []

    def terminate_before_the_first_account_query(execute, sql, params, many, context):
        # The session and the user have been read by the middleware; the page's own query comes next.
        if not killed and "accounts_account" in sql:
            pid = context["connection"].connection.get_backend_pid()
            terminate_backend(pid)
            killed.append(pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(terminate_before_the_first_account_query):
        response = client.get(reverse("accounts:list"))
    assert killed
    assert_is_the_503_page(response, retry_url=reverse("accounts:list"))

    # What the WSGI server does after every response (the test client holds it back): drop a broken connection.
    close_old_connections()
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 200
    assert "Lactate Câmpulung SRL" in response.content.decode()
    assert connection.connection.get_backend_pid() != killed[0]


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_terminated_between_requests_gets_503_then_the_next_request_works(salesperson):
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)
    connection.ensure_connection()
    terminate_backend(connection.connection.get_backend_pid())
    # The session lookup in the middleware is the first to meet the closed connection.
    response = client.get(reverse("accounts:list"))
    assert_is_the_503_page(response, retry_url=reverse("accounts:list"))
    close_old_connections()
    assert client.get(reverse("accounts:list")).status_code == 200
