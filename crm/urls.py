from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from crm import health, pickers, views
from crm.signin import views as signin_views

# The 503 page when the database connection is lost before the view (the session or user lookup).
handler500 = "crm.middleware.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", signin_views.SignInView.as_view(), name="login"),
    path("login/code/", signin_views.SignInCodeView.as_view(), name="login_code"),
    path("profile/", include("crm.signin.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The sign-in page offers the language switcher too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("contacts/", include("contacts.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("invoices/", include("invoices.urls")),
    path("activities/", include("crm.activities.urls")),
    path("pick/", include(([path("<str:source>/", pickers.pick, name="pick")], "crm"))),
    path("dashboard/", include("crm.dashboard.urls")),
    path("imports/", include("crm.imports.urls")),
    path("duplicates/", include("crm.duplicates.urls")),
    path("exports/", include("crm.exports.urls")),
    path("lists/", include("crm.lists.urls")),
    path("search/", include("crm.search.urls")),
    path("admin/", admin.site.urls),
]
