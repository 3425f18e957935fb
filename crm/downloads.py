"""The ``Content-Disposition`` of every download: a safe ASCII ``filename``, the real name in ``filename*``."""

import re
import unicodedata
from urllib.parse import quote

from django.utils.http import content_disposition_header

from crm.params import clean_text

# What the plain ``filename`` keeps as it is; anything else becomes "_" (quotes, semicolons, slashes...).
UNSAFE_IN_ASCII_NAME = re.compile(r"[^A-Za-z0-9._ -]")


def attachment_disposition(filename: str, *, default: str = "download") -> str:
    """Return the header offering ``filename`` as an attachment (RFC 6266).

    Control characters are dropped and a path keeps only its last part. The ``filename`` parameter
    holds an ASCII spelling of the name that needs no escaping (``Contacte_st.csv`` for
    ``Contacte_șț.csv``), for clients that know nothing else; when that differs from the name,
    ``filename*`` carries the name itself, percent-encoded in UTF-8, which browsers prefer.
    """
    name = clean_text(filename).replace("\\", "/").rsplit("/", 1)[-1].strip() or default
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = UNSAFE_IN_ASCII_NAME.sub("_", ascii_name).strip(" ._") or default
    header = content_disposition_header(True, ascii_name)
    if ascii_name != name:
        header += f"; filename*=utf-8''{quote(name, safe='')}"
    return header
