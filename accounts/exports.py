"""The accounts list's export: the columns the importer reads, so a file imports back unchanged."""

from accounts.filters import AccountFilter
from accounts.selectors import account_list
from crm.exports.sources import ExportSource, register
from crm.imports.resources import AccountResource

register(ExportSource("accounts", account_list, AccountFilter, AccountResource))
