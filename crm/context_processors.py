from crm.sitemap import site_map_for


def site_map(request):
    """Put the user's site map in every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"site_map": []}
    match = getattr(request, "resolver_match", None)
    return {"site_map": site_map_for(user, match.app_name if match else None)}
