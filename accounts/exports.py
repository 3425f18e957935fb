"""The accounts list's export: the columns the importer reads, so a file imports back unchanged;
with ?round_trip=1 it also carries each record's id and version, to import back as updates."""

from accounts.filters import AccountFilter
from accounts.imports import AccountResource
from accounts.selectors import account_list
from crm.exports.sources import ExportSource, register

register(ExportSource("accounts", account_list, AccountFilter, AccountResource, round_trip=True))
