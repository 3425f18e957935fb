"""The authentication backend that refuses a sign-in while its user name or address is locked out."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.proxy import AxesProxyHandler

from crm.signin.throttling import address_locked_until


class SignInThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for the sign-ins that come with a request.

    Every sign-in over HTTP passes its request (Django's AuthenticationForm
    does). Code that calls ``authenticate()`` without one (a management
    command, the test client's ``login()``) has no address to throttle and no
    one guessing, so it goes on to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        AxesProxyHandler.update_request(request)
        if address_locked_until(request):
            request.axes_locked_out = True  # AxesMiddleware answers with the lockout page
            raise AxesBackendPermissionDenied("The address is locked out")
        return super().authenticate(request, username=username, password=password, **kwargs)
