"""The contacts list's export: the columns the importer reads, so a file imports back unchanged;
with ?round_trip=1 it also carries each record's id and version, to import back as updates."""

from contacts.filters import ContactFilter
from contacts.imports import ContactResource
from contacts.selectors import contact_list
from crm.exports.sources import ExportSource, register

register(ExportSource("contacts", contact_list, ContactFilter, ContactResource, round_trip=True))
