"""Loaded once by the sandbox's fork server: Django set up and the readers imported, so each child starts ready."""

import django

django.setup()

import odf.opendocument  # noqa: E402, F401  (the .ods reader, through tablib)
import openpyxl  # noqa: E402, F401
import tablib  # noqa: E402, F401

import crm.imports.readers  # noqa: E402, F401
