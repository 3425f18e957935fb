from django.shortcuts import redirect


def home(request):
    """Send the user to the first area of the site map."""
    return redirect("accounts:list")
