"""My Activities' export: the user's own activities in the view they look at, with the columns the activities
import reads, so a file imports back; with ?round_trip=1 each row carries its id and version, to import back as
updates."""

from crm.activities.filters import MyActivitiesFilter
from crm.activities.imports import ACTIVITIES
from crm.activities.selectors import my_activity_list
from crm.exports.sources import ExportSource, register
from crm.imports.resources import resource_for

ActivityResource = resource_for(ACTIVITIES)

register(ExportSource("activities", my_activity_list, MyActivitiesFilter, ActivityResource, round_trip=True))
