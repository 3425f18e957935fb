"""The account summary's Figures and Timeline panels, each served by its own URL and loaded with htmx."""

from django.shortcuts import render

from accounts.selectors import account_figures, account_get
from crm.figures import add_links
from crm.history.views import render_timeline


def figures(request, pk):
    """The account's sales figures by currency, with its child accounts' when ``?children=1``."""
    account = account_get(user=request.user, pk=pk)
    include_children = request.GET.get("children") == "1"
    result = account_figures(account=account, user=request.user, include_children=include_children)
    add_links(result.lines, scope={"account_tree" if include_children else "account": account.pk})
    template = "accounts/account_figures.html"
    return render(request, f"{template}#panel" if request.htmx else template, {"account": account, "figures": result})


def timeline(request, pk):
    """The account's change history with its contacts', opportunities' and invoices'."""
    account = account_get(user=request.user, pk=pk)
    return render_timeline(request, record=account, panel_id="account-timeline", account=account)
