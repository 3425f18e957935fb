"""Two probe views that change an account, one on the site and one under the admin's namespace."""

from django.http import HttpResponse
from django.urls import include, path

from accounts.services import account_create
from crm.urls import urlpatterns as site_urlpatterns


def create_account(request):
    account = account_create(actor=request.user, name=request.POST["name"])
    return HttpResponse(str(account.pk))


admin_probe = ([path("probe/", create_account, name="probe")], "admin")

urlpatterns = [
    path("probe/", create_account, name="probe"),
    path("admin-probe/", include(admin_probe)),
    *site_urlpatterns,
]
