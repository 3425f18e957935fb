"""The site map: the left navigation, grouped into areas as in Dynamics 365 Sales."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class SiteMapItem:
    label: str
    url_name: str
    app_name: str
    permission: str


@dataclass(frozen=True)
class SiteMapGroup:
    label: str
    items: tuple[SiteMapItem, ...]


SITE_MAP = (
    SiteMapGroup(
        _("My Work"),
        (
            SiteMapItem(_("Dashboard"), "dashboard:index", "dashboard", "opportunities.view_opportunity"),
            SiteMapItem(_("My Activities"), "activities:mine", "activities", "activities.view_activity"),
        ),
    ),
    SiteMapGroup(
        _("Customers"),
        (
            SiteMapItem(_("Accounts"), "accounts:list", "accounts", "accounts.view_account"),
            SiteMapItem(_("Contacts"), "contacts:list", "contacts", "contacts.view_contact"),
        ),
    ),
    SiteMapGroup(
        _("Sales"),
        (
            SiteMapItem(_("Opportunities"), "opportunities:list", "opportunities", "opportunities.view_opportunity"),
            SiteMapItem(_("Invoices"), "invoices:list", "invoices", "invoices.view_invoice"),
        ),
    ),
    SiteMapGroup(
        _("Data management"),
        (
            SiteMapItem(_("My imports"), "imports:list", "imports", "crm.import_data"),
            SiteMapItem(_("Duplicates"), "duplicates:list", "duplicates", "duplicates.find_duplicates"),
        ),
    ),
)


def site_map_for(user, current_app):
    """Return the site map groups the user may see, each item marked when it is the current area."""
    groups = []
    for group in SITE_MAP:
        items = [
            {"label": item.label, "url_name": item.url_name, "current": item.app_name == current_app}
            for item in group.items
            if user.has_perm(item.permission)
        ]
        if items:
            groups.append({"label": group.label, "items": items})
    return groups
