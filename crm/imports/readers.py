"""Reading an uploaded file, whatever its format, as a header row and a stream of data rows.

The format is recognised from the file's content, not its name: .xlsx, .xls and
.ods workbooks, XML Spreadsheet 2003, a plain records XML, vCard and, for any
other text, CSV (encoding and delimiter detected). Every reader streams and every
one refuses, with a clear message and before anything is written, a file that is
not what it claims, too large, empty or only a header.
"""

import codecs
import csv
import functools
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain

import charset_normalizer
import vobject
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.utils.translation import gettext as _

from crm.imports.values import clean_text, normalize_label, split_full_name

EXPECTED = (
    "an Excel workbook (.xlsx or .xls), an OpenDocument spreadsheet (.ods), a CSV or text file, "
    "an XML Spreadsheet 2003 file, an XML file of records or a vCard file (.vcf)"
)


class FileRefused(Exception):
    """The file cannot be imported at all; nothing was written."""


def not_supported():
    return FileRefused(_("The file is not a file this import reads: expected %(expected)s.") % {"expected": EXPECTED})


@dataclass
class Table:
    """A file read as rows: the header cells, then (row number, cells) for each data row."""

    format: str
    headers: list[str]
    rows: Iterator[tuple[int, list]]
    total: int | None = None
    encoding: str = ""
    extra: dict = field(default_factory=dict)


def max_rows():
    return getattr(settings, "CRM_IMPORT_MAX_ROWS", 1_000_000)


def max_columns():
    return getattr(settings, "CRM_IMPORT_MAX_COLUMNS", 200)


def _is_blank(cells) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _check_headers(headers):
    headers = [clean_text(cell) for cell in headers]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise FileRefused(_("The file has no header row: the first row must name the columns."))
    if len(headers) > max_columns():
        raise FileRefused(
            _("The file has %(count)d columns; at most %(limit)d are allowed.")
            % {"count": len(headers), "limit": max_columns()}
        )
    return headers


def _data_rows(numbered_rows, width):
    """Skip blank rows, cut rows to the header's width, and refuse a file past the row limit."""
    limit = max_rows()
    count = 0
    for number, cells in numbered_rows:
        if _is_blank(cells):
            continue
        count += 1
        if count > limit:
            raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": limit})
        cells = list(cells[:width])
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        yield number, cells


def _table(format_name, headers, numbered_rows, *, total=None, encoding=""):
    """Build a Table, refusing a header-only file (peeks at the first data row).

    A header row that follows a preamble of notes is found (see _find_header) and the preamble left out.
    """
    headers, numbered_rows, preamble = _find_header(headers, numbered_rows)
    headers = _check_headers(headers)
    rows = _data_rows(numbered_rows, len(headers))
    first = next(rows, None)
    if first is None:
        raise FileRefused(_("The file has a header row but no data rows."))
    if total is not None and preamble:
        total = max(total - preamble["preamble_rows"], 0)
    if total is not None and total > max_rows():
        raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": max_rows()})
    return Table(format_name, headers, chain([first], rows), total=total, encoding=encoding, extra=preamble)


def table_from_rows(format_name, headers, numbered_rows, total=None) -> Table:
    """A Table from rows already read (the admin's dataset): the same header, blank-row and limit checks."""
    return without_footer(_table(format_name, list(headers), numbered_rows, total=total))


# File furniture: notes above the header, totals and notices below the data ------------------------

PREAMBLE_SEARCH_ROWS = 20


@functools.cache
def _known_header_names() -> frozenset[str]:
    """Every header, folded, that names a column of any import (the reader does not know the target)."""
    from crm.imports.registry import IMPORTS

    return frozenset(name for kind in IMPORTS.values() for column in kind.columns for name in column.names())


def _filled(cells) -> int:
    return sum(1 for cell in cells if not _is_blank([cell]))


def _known_count(cells) -> int:
    """How many cells of a row name a known column, when most of its filled cells do; else 0."""
    filled = [normalize_label(cell if isinstance(cell, str) else str(cell)) for cell in cells if not _is_blank([cell])]
    filled = [name for name in filled if name]
    known = sum(1 for name in filled if name in _known_header_names())
    return known if filled and known * 2 > len(filled) else 0


def _find_header(headers, numbered_rows):
    """The header row among the first rows: the one naming the most known columns, most of its cells known.

    The first row stays the header unless a later one (LinkedIn's Connections.csv, after its "Notes:"
    lines) names more columns and fills more cells than every row above it (a data row that happens to
    hold header words is no header); the rows above the header are the preamble, counted in the Table's
    extra (preamble_rows: how many of them were not blank, header_row: the header's row number).
    """
    ahead = []
    for item in numbered_rows:
        ahead.append(item)
        if len(ahead) >= PREAMBLE_SEARCH_ROWS - 1:
            break
    best, best_index = _known_count(headers), -1
    widest = _filled(headers)  # the most cells filled in a row so far: a preamble's rows are narrower than its header
    for index, (_number, cells) in enumerate(ahead):
        count, filled = _known_count(cells), _filled(cells)
        if count > best and filled > widest:
            best, best_index = count, index
        widest = max(widest, filled)
    rest = chain(ahead[best_index + 1 :], numbered_rows)
    if best_index < 0:
        return headers, rest, {}
    preamble = [headers] + [cells for _number, cells in ahead[:best_index]]
    number, header_cells = ahead[best_index]
    extra = {"preamble_rows": sum(1 for cells in preamble if not _is_blank(cells)), "header_row": number}
    return list(header_cells), rest, extra


_FOOTER_TEXT = re.compile(
    r"^(?:(?:grand totals?|sub ?totals?|totals?|total general|confiden\w*|copyright|all rights reserved)\b|\(c\)|©)"
)


def _footer_text(text: str) -> bool:
    """Whether a lone cell reads as a report's furniture: a total line, a confidentiality or copyright notice."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text))
    folded = " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())
    return bool(_FOOTER_TEXT.match(folded))


def _lone_cell(cells):
    """The only filled cell of a row, or None; stops at a row's second filled cell (a data row's first two, mostly)."""
    lone = None
    for cell in cells:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if lone is not None:
            return None
        lone = cell
    return lone


def without_footer(table: Table) -> Table:
    """Leave out the trailing footer lines of a report (Salesforce's Grand Totals, Confidential, Copyright).

    The footer is the rows at the end with one filled cell, from the first of them that reads as a total
    or a notice ("Grand Totals (12 records)", "Confidential Information - Do Not Distribute"): a file's
    last record with only its name filled stays a record. Their row numbers are listed in
    ``table.extra["footer_rows"]`` as the end of the file is read, and the total is reduced by them.
    Applied to tables and workbooks, not to vCards (an organisation's card may fill one column only).
    """
    if len(table.headers) < 2:
        return table
    table.extra.setdefault("footer_rows", [])
    table.rows = _FooterLeftOut(table)
    return table


class _FooterLeftOut:
    """The rows of a Table without its footer; closing it closes the rows it reads (a sandbox's child)."""

    def __init__(self, table):
        self.table, self.source = table, table.rows
        self.rows = self._rows()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.rows)

    def close(self):
        self.rows.close()
        close = getattr(self.source, "close", None)
        if close:
            close()

    def _rows(self):
        # The rows of one filled cell from the first that reads as furniture: the footer, if nothing follows.
        held = []
        for number, cells in self.source:
            lone = _lone_cell(cells)
            if lone is not None and (held or _footer_text(str(lone))):
                held.append((number, cells))
                continue
            yield from held
            held = []
            yield number, cells
        footer = self.table.extra["footer_rows"]
        footer.extend(number for number, _cells in held)
        if self.table.total is not None:
            self.table.total = max(self.table.total - len(footer), 0)


def open_table(stream, *, size=None, within=None, seconds=None, encoding=None) -> Table:
    """Recognise the format of the binary ``stream`` and return its Table; raise FileRefused otherwise.

    CSV is read here, as it streams in bounded memory. Workbooks, XML and vCards are read by a child
    process with memory and CPU limits (crm.imports.sandbox), after the cheap checks of an archive's
    directory here. ``within``: the seconds a web request waits for the header (TooSlowToCheck past
    them); ``seconds``: a lower CPU limit for the child than the setting's. ``encoding``: the codec a text
    file (CSV, vCard) is read with, instead of the one guessed (import_data --encoding).
    """
    limit = getattr(settings, "CRM_IMPORT_MAX_UPLOAD_SIZE", 50 * 1024 * 1024)
    if size is None:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
    stream.seek(0)
    if size > limit:
        raise FileRefused(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)}
        )
    if size == 0:
        raise FileRefused(_("The file is empty."))
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        unpacked = check_zip_directory(stream, size)
        return without_footer(_sandboxed(stream, within=within, seconds=seconds, read_size=unpacked))
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return without_footer(_sandboxed(stream, within=within, seconds=seconds, read_size=size))
    guess = _given_encoding(encoding) if encoding else guess_encoding(stream)
    text_head = head.decode(guess.encoding, errors="replace").lstrip("\ufeff \t\r\n")
    if text_head.startswith("<"):
        return without_footer(_sandboxed(stream, within=within, seconds=seconds, read_size=size))
    if text_head[:11].upper() == "BEGIN:VCARD":
        if encoding:
            # The child guesses for itself: give it the cards transcoded to UTF-8, which it reads as such. The
            # copy is removed once the child has opened it (it has, when the header arrives) and keeps reading.
            with _transcoded(stream, guess.encoding) as utf8:
                table = _sandboxed(utf8, within=within, seconds=seconds, read_size=size)
            return _note_encoding(table, guess)
        return _sandboxed(stream, within=within, seconds=seconds, read_size=size)
    return without_footer(_note_encoding(_open_csv(stream, guess.encoding), guess))


def open_here(stream) -> Table:
    """Read the file in this process, whatever its format: what the sandbox's child runs."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _open_zip(stream)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _open_tablib(stream, "xls", "Excel 97-2003 (.xls)")
    guess = guess_encoding(stream)
    text_head = head.decode(guess.encoding, errors="replace").lstrip("\ufeff \t\r\n")
    if text_head.startswith("<"):
        return _open_xml(stream)
    if text_head[:11].upper() == "BEGIN:VCARD":
        return _note_encoding(_open_vcard(stream, guess.encoding), guess)
    return _note_encoding(_open_csv(stream, guess.encoding), guess)


class _transcoded:
    """A temporary UTF-8 copy of a text ``stream`` decoded with ``encoding``, removed on leaving."""

    def __init__(self, stream, encoding):
        import tempfile

        stream.seek(0)
        self.handle = tempfile.NamedTemporaryFile(prefix="crm-import-", suffix=".txt")  # noqa: SIM115
        text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        try:
            while chunk := text.read(1 << 18):
                self.handle.write(chunk.encode("utf-8"))
        finally:
            text.detach()
        self.handle.flush()
        self.handle.seek(0)

    def __enter__(self):
        return self.handle

    def __exit__(self, *exc):
        self.handle.close()


def _sandboxed(stream, *, within, seconds, read_size) -> Table:
    from crm.imports.sandbox import rows_in_a_sandbox, spill_to_disk

    path = stream.temporary_file_path() if hasattr(stream, "temporary_file_path") else getattr(stream, "name", None)
    spilled = None
    if not (isinstance(path, str) and os.path.isabs(path) and os.path.isfile(path)):
        path = spilled = spill_to_disk(stream)

    def forget():
        if spilled:
            os.unlink(spilled)

    messages = rows_in_a_sandbox(path, within=within, seconds=seconds)
    try:
        _kind, format_name, headers, total, encoding, extra = next(messages)
    except BaseException:
        messages.close()
        forget()
        raise

    def rows():
        try:
            yield from messages
        finally:
            messages.close()
            forget()

    extra["read_size"] = read_size
    return Table(format_name, headers, rows(), total=total, encoding=encoding, extra=extra)


# Text files: encoding and CSV ------------------------------------------------------------------

# Bytes that the two Windows code pages read differently, as the letter each would give that a text in its
# languages is likely to hold (Romanian and Central European for 1250, Western European for 1252). Bytes whose
# 1252 reading is a rare letter (ã þ º ª) count only for 1250, where they are Romanian's ă ţ ş Ş.
_CP1250_LETTERS = set("ăşţĂŞŢčěřőűćĄąŁłŚśŹźŻż")
_CP1252_LETTERS = set("àèìòõøåæÀÈÒØÅÆ")

# How plausible a non-ASCII letter is in the languages of the files we get: Romanian's and the Western European
# ones' most written letters score 2, the Central European ones 1.5 (so Mac Roman's Müller beats Windows-1250's
# Mźller, but Plzeň is not read as Plzeò), any other letter 1.
_COMMON_LETTERS = set("ăâîșțşţĂÂÎȘȚŞŢäöüßÄÖÜéèêëàáâçíìïóòôúùûñÉÈÀÇÑåæøÅÆØ")
_CENTRAL_LETTERS = set("ščřžěňťďůýźśćńłąężőűŠČŘŽĚŇŤĎŮÝŹŚĆŃŁĄĘŻŐŰ")
_LEGACY_CANDIDATES = ("cp1250", "cp1252", "mac_roman")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
ENCODING_NAMES = {
    "utf-8-sig": "UTF-8", "utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE", "cp1250": "Windows-1250",
    "cp1252": "Windows-1252", "mac_roman": "Mac Roman",
}


@dataclass
class EncodingGuess:
    """The encoding a text file is read with, how it was found, and the others it could have been."""

    encoding: str
    how: str  # "bom", "valid", "nul pattern", "letters", "charset-normalizer" or "given"
    candidates: list[str] = field(default_factory=list)

    @property
    def weak(self) -> bool:
        return len(self.candidates) > 1


def _utf16_by_nuls(sample: bytes) -> str | None:
    """UTF-16 without a BOM, from its NUL pattern: in mostly-ASCII text every other byte is NUL."""
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    pairs = len(sample) // 2
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    for nuls, other, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if nuls >= pairs * 0.6 and other <= pairs * 0.02:
            try:
                sample.decode(encoding)
            except UnicodeDecodeError:
                # The sample may end inside a surrogate pair; anything else is not UTF-16.
                try:
                    sample[:-2].decode(encoding)
                except UnicodeDecodeError:
                    return None
            return encoding
    return None


def _letter_score(text: str) -> float:
    """Score how much ``text`` reads like words: accented letters inside words gain, stray symbols lose."""
    score = 0
    for match in _NON_ASCII.finditer(text):
        index, ch = match.start(), match.group()
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        then = text[index + 2] if index + 2 < len(text) else " "
        if not ch.isalpha():
            if ch == "\ufffd" or (before.isalpha() and after.isalpha()):
                score -= 3  # a symbol inside a word (M†ller, Kçln) is a letter of another code page
            elif unicodedata.category(ch) in ("Pd", "Pi", "Pf", "Po"):
                score += 1  # a quote or a dash at a word's edge: „Dacia”
        elif (ch.isupper() and before.islower()) or (after.isupper() and then.islower()):
            score -= 3  # an upper-case letter after a lower-case one (MŸller), or glued to a word (ÑDacia)
        else:
            score += 2 if ch in _COMMON_LETTERS else 1.5 if ch in _CENTRAL_LETTERS else 1
    return score


def _legacy_guess(sample: bytes) -> EncodingGuess:
    """The likeliest 8-bit code page: Windows-1250, Windows-1252 or Mac Roman.

    Without bytes 0x80-0x9F, where Mac Roman keeps its accented letters (ä ö ü é è à ç...) and the Windows
    code pages keep quotes and dashes, the file is one of the Windows code pages, told apart by the letters
    each would give. Otherwise the three readings are scored by how much they read like words (Müller, not
    Mźller nor MŸller); when two score alike, charset-normalizer decides, and the guess is marked weak.
    """
    as_1250 = sample.decode("cp1250", errors="replace")
    as_1252 = sample.decode("cp1252", errors="replace")
    if not any(0x80 <= byte <= 0x9F for byte in sample):
        score_1250 = sum(1 for ch in as_1250 if ch in _CP1250_LETTERS)
        score_1252 = sum(1 for ch in as_1252 if ch in _CP1252_LETTERS)
        return EncodingGuess("cp1250" if score_1250 >= score_1252 and score_1250 else "cp1252", "letters")
    readings = {"cp1250": as_1250, "cp1252": as_1252, "mac_roman": sample.decode("mac_roman")}
    scores = {encoding: _letter_score(text) for encoding, text in readings.items()}
    ranked = sorted(_LEGACY_CANDIDATES, key=lambda encoding: -scores[encoding])
    close = [encoding for encoding in ranked if scores[ranked[0]] - scores[encoding] <= 1]
    if len(close) == 1:
        return EncodingGuess(ranked[0], "letters")
    tied = [encoding for encoding in close if scores[encoding] == scores[ranked[0]]]
    if len(tied) == 1:
        return EncodingGuess(ranked[0], "letters", close)
    best = charset_normalizer.from_bytes(sample[: 1 << 18], cp_isolation=tied).best()
    chosen = best.encoding if best is not None and best.encoding in tied else tied[0]
    others = [encoding for encoding in close if encoding != chosen]
    return EncodingGuess(chosen, "charset-normalizer", [chosen, *others])


def guess_encoding(stream) -> EncodingGuess:
    """Find how a text file is encoded: BOM, UTF-16's NUL pattern, valid UTF-8, else an 8-bit code page."""
    stream.seek(0)
    head = stream.read(4096)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        pass  # checked as UTF-8 below, so a file whose BOM lies is not read as UTF-8
    elif head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF32_LE):
        return EncodingGuess("utf-16-le", "bom")
    elif head.startswith(codecs.BOM_UTF16_BE):
        return EncodingGuess("utf-16-be", "bom")
    elif by_nuls := _utf16_by_nuls(head):
        return EncodingGuess(by_nuls, "nul pattern")
    decoder = codecs.getincrementaldecoder("utf-8")()
    sample = b""
    try:
        while chunk := stream.read(1 << 20):
            if len(sample) < (1 << 20):
                sample += chunk
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return EncodingGuess("utf-8-sig", "valid")
    except UnicodeDecodeError:
        pass
    finally:
        stream.seek(0)
    if b"\x00" in sample[:4096]:
        raise not_supported()
    return _legacy_guess(sample)


def detect_encoding(stream) -> str:
    """Return the codec a text file is read with (see guess_encoding)."""
    return guess_encoding(stream).encoding


def _given_encoding(name: str) -> EncodingGuess:
    try:
        codec = codecs.lookup(name).name
    except LookupError as error:
        raise FileRefused(_("“%(encoding)s” is not an encoding this import knows.") % {"encoding": name}) from error
    aliases = {"utf-8": "utf-8-sig", "mac-roman": "mac_roman", "utf-16": "utf-16"}
    return EncodingGuess(aliases.get(codec, codec), "given")


def _note_encoding(table, guess: EncodingGuess):
    """Record on the Table how its text was decoded, so the job page can show it and the candidates."""
    table.encoding = guess.encoding
    table.extra["encoding_name"] = ENCODING_NAMES.get(guess.encoding, guess.encoding)
    table.extra["encoding_found_by"] = guess.how
    if guess.weak:
        table.extra["encoding_candidates"] = list(guess.candidates)
    return table


def sniff_delimiter(first_line: str) -> str:
    """Pick the delimiter among comma, semicolon and tab that splits the header line most often."""
    counts = {delimiter: len(next(csv.reader([first_line], delimiter=delimiter), [])) for delimiter in ",;\t"}
    best = max(counts.values())
    for delimiter in ",;\t":
        if counts[delimiter] == best:
            return delimiter
    return ","


def _header_line(lines) -> str:
    """The line the delimiter is sniffed from: the first, unless notes precede a header (the first that splits)."""
    for line in lines:
        if line.strip() and sniff_count(line) > 1:
            return line
    return lines[0] if lines else ""


def sniff_count(line: str) -> int:
    return max(len(next(csv.reader([line], delimiter=delimiter), [])) for delimiter in ",;\t")


def _looks_like_text(sample: str) -> bool:
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\ufffd")
    return bad <= len(sample) // 100


def _open_csv(stream, encoding) -> Table:
    errors = "strict" if encoding.startswith("utf") else "replace"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors=errors)
    try:
        sample = text.read(65536)
        if not _looks_like_text(sample):
            raise not_supported()
        first_line = _header_line(sample.lstrip("\ufeff").splitlines()[:PREAMBLE_SEARCH_ROWS])
        delimiter = sniff_delimiter(first_line)
        text.seek(0)
        csv.field_size_limit(1 << 20)
        # Counting reads the whole file, so a file that is not in the encoding given is refused here.
        total = sum(1 for cells in csv.reader(text, delimiter=delimiter) if not _is_blank(cells)) - 1
    except UnicodeDecodeError as error:
        raise FileRefused(
            _("The file is not valid %(encoding)s text.") % {"encoding": ENCODING_NAMES.get(encoding, encoding)}
        ) from error
    text.seek(0)
    reader = csv.reader(text, delimiter=delimiter)
    headers = next(reader, [])
    if headers:
        headers[0] = headers[0].lstrip("\ufeff")
    if len(headers) < 2 and len(first_line) > 200:
        raise not_supported()
    name = {",": "CSV", ";": "CSV (;)", "\t": "CSV (tab)"}[delimiter]
    table = _table(name, headers, enumerate(reader, start=2), total=max(total, 0), encoding=encoding)
    table.extra["delimiter"] = delimiter
    return table


# Workbooks --------------------------------------------------------------------------------------


def max_unpacked_size():
    return getattr(settings, "CRM_IMPORT_MAX_UNCOMPRESSED_SIZE", 600 * 1048576)


def max_archive_entries():
    return getattr(settings, "CRM_IMPORT_MAX_ARCHIVE_ENTRIES", 1000)


def check_zip_directory(stream, size) -> int:
    """Check a zip's directory without unpacking it; return the size it declares unpacked.

    The entry count is read from the end record first, so a directory of a million entries is refused
    before it is parsed. Python's zipfile then holds every entry to its declared size and CRC as it
    is unpacked (in the child), so an entry that declares less than it holds is refused as damaged.
    """
    tail_size = min(size, 65536 + 22)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        raise FileRefused(_("The workbook is damaged and cannot be read."))
    entries = int.from_bytes(tail[end + 10:end + 12], "little")
    if entries == 0xFFFF or entries > max_archive_entries():
        raise FileRefused(
            _("The workbook holds more than %(limit)d parts; a spreadsheet needs far fewer, so it was not read.")
            % {"limit": max_archive_entries()}
        )
    archive = check_zip(stream)
    return sum(info.file_size for info in archive.infolist())


def check_zip(stream):
    """Refuse a zip whose declared uncompressed size or compression ratio is beyond reason (zip bombs)."""
    limit = max_unpacked_size()
    ratio_limit = getattr(settings, "CRM_IMPORT_MAX_COMPRESSION_RATIO", 200)
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise FileRefused(_("The workbook is damaged and cannot be read.")) from error
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise FileRefused(
            _("The workbook would unpack to %(size)d MB, more than the %(limit)d MB allowed.")
            % {"size": total // 1048576, "limit": limit // 1048576}
        )
    for info in infos:
        if info.file_size > 1048576 and info.file_size > ratio_limit * max(info.compress_size, 1):
            raise FileRefused(_("The workbook is compressed suspiciously much (a zip bomb?) and was not read."))
    return archive


def _open_zip(stream) -> Table:
    archive = check_zip(stream)
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return _open_xlsx(stream, archive)
    if "mimetype" in names and archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return _open_tablib(stream, "ods", "OpenDocument (.ods)")
    raise not_supported()


def _open_xlsx(stream, archive) -> Table:
    import openpyxl

    stream.seek(0)
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = next(rows, None) or []
    except (FileRefused, MemoryError):  # refused as such; past the sandbox's memory limit
        raise
    except Exception as error:
        raise FileRefused(_("The workbook is damaged and cannot be read.")) from error
    total = (sheet.max_row - 1) if sheet.max_row else None

    def numbered():
        try:
            yield from enumerate(rows, start=2)
        finally:
            workbook.close()

    return _table("Excel (.xlsx)", list(headers), numbered(), total=total)


class ReaderStopped(RuntimeError):
    """The file's reading process ended without finishing: the import stops, keeping the batches it wrote."""


def _open_tablib(stream, format_name, title) -> Table:
    import tablib

    stream.seek(0)
    try:
        dataset = tablib.Dataset().load(stream.read(), format=format_name, headers=False)
    except MemoryError:  # the sandbox's limit: not a damaged file
        raise
    except Exception as error:
        raise FileRefused(_("The %(format)s file cannot be read.") % {"format": title}) from error
    rows = list(dataset)
    if not rows:
        raise FileRefused(_("The file is empty."))
    return _table(title, list(rows[0]), enumerate(rows[1:], start=2), total=len(rows) - 1)


# XML ----------------------------------------------------------------------------------------

SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _open_xml(stream) -> Table:
    stream.seek(0)
    try:
        events = SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True)
        _event, root = next(events)
    except MemoryError:  # the sandbox's limit: not a damaged file
        raise
    except Exception as error:
        raise FileRefused(_("The XML file cannot be read: %(error)s") % {"error": error}) from error
    if root.tag in (f"{{{SS_NS}}}Workbook", "Workbook"):
        rows = _spreadsheet_2003_rows(events, root)
        format_name = "XML Spreadsheet 2003"
    else:
        rows = _records_xml_rows(events, root)
        format_name = _("XML records")
    try:
        # XML files are read whole first, so a malformed one is refused before anything is written.
        rows = list(rows)
    except (FileRefused, MemoryError):  # refused as such; past the sandbox's memory limit
        raise
    except Exception as error:
        raise FileRefused(_("The XML file cannot be read: %(error)s") % {"error": error}) from error
    if not rows:
        raise FileRefused(_("The file is empty."))
    headers, data = rows[0], rows[1:]
    return _table(format_name, headers, iter(data), total=len(data))


def _spreadsheet_2003_rows(events, root):
    """Yield the header then (row number, cells) of the first worksheet of an XML Spreadsheet 2003."""
    index_attr = f"{{{SS_NS}}}Index"
    depth_sheet = 0
    row_number = 0
    header_done = False
    for event, element in events:
        name = _local(element.tag)
        if name == "Worksheet":
            if event == "start":
                depth_sheet += 1
            elif depth_sheet:
                return
            continue
        if event != "end" or name != "Row" or depth_sheet != 1:
            continue
        row_number = int(element.get(index_attr, row_number + 1))
        cells = []
        for cell in element:
            if _local(cell.tag) != "Cell":
                continue
            position = int(cell.get(index_attr, len(cells) + 1))
            cells.extend([None] * (position - 1 - len(cells)))
            data = next((child for child in cell if _local(child.tag) == "Data"), None)
            value = None
            if data is not None:
                value = "".join(data.itertext())
                if data.get(f"{{{SS_NS}}}Type") == "Number" and value:
                    value = float(value) if any(ch in value for ch in ".eE") else int(value)
            cells.append(value)
        element.clear()
        if not header_done:
            header_done = True
            yield cells
        else:
            yield row_number, cells
        if row_number > max_rows() + 1:
            raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": max_rows()})
    root.clear()


def _records_xml_rows(events, root):
    """Yield the field names then (record number, values) of <accounts><account><name>…</name></account>…."""
    headers: list[str] = []
    records = []
    depth = 0
    for event, element in events:
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 0:
            record = {}
            for child in element:
                key = _local(child.tag)
                if key not in headers:
                    if len(headers) >= max_columns():
                        raise FileRefused(
                            _("The file has more than %(limit)d columns.") % {"limit": max_columns()}
                        )
                    headers.append(key)
                record[key] = "".join(child.itertext())
            records.append(record)
            if len(records) > max_rows():
                raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": max_rows()})
            element.clear()
            root.clear()
    if not headers:
        raise FileRefused(
            _("The XML file has no records: expected <accounts><account><name>…</name></account></accounts>.")
        )
    yield headers
    for number, record in enumerate(records, start=1):
        yield number, [record.get(key) for key in headers]


# vCard --------------------------------------------------------------------------------------

# The contact columns first, then the account's own (filled for organisation cards only), named as the
# account and contact imports read them.
VCARD_HEADERS = [
    "first_name", "last_name", "job_title", "company_name", "email", "business_phone", "mobile_phone",
    "street", "city", "county", "postal_code", "country", "description", "main_phone", "website",
]

# Apple Contacts labels a grouped property with X-ABLabel (item1.TEL + item1.X-ABLabel:_$!<Mobile>!$_).
_APPLE_LABEL_TYPES = {
    "work": {"WORK"}, "mobile": {"CELL"}, "iphone": {"CELL"}, "home": {"HOME"}, "main": {"MAIN"},
    "workfax": {"WORK", "FAX"}, "homefax": {"HOME", "FAX"}, "otherfax": {"FAX"}, "pager": {"PAGER"},
}
_NOT_VOICE = {"FAX", "PAGER", "TEXTPHONE", "VIDEO", "MODEM"}


def _vcard_text(value) -> str:
    """A structured part as text: vobject gives a list where the part held several comma-separated values."""
    if isinstance(value, list | tuple):
        return ", ".join(part.strip() for part in value if part and part.strip())
    return (value or "").strip()


def _vcard_types(line, labels) -> set[str]:
    """The TYPE values of a property, upper-case: vCard 2.1's bare ones, 3.0's lists, 4.0's quoted lists."""
    types = set()
    for value in [*line.params.get("TYPE", ()), *line.singletonparams]:
        types.update(item.strip().strip('"').upper() for item in value.split(","))
    if line.params.get("PREF"):
        types.add("PREF")
    label = labels.get(line.group)
    if label:
        types.update(_APPLE_LABEL_TYPES.get(label.strip("_$!<>").casefold(), ()))
    types.discard("")
    return types


def _best(lines, labels, *, wanted=(), refused=(), prefer=("PREF",)):
    """The value of the first line of ``lines`` whose types include all of ``wanted`` and none of ``refused``,
    a preferred one (PREF) first; '' when none."""
    fitting = []
    for line in lines:
        types = _vcard_types(line, labels)
        if set(wanted) <= types and not types & set(refused):
            fitting.append((not types & set(prefer), line))
    if not fitting:
        return ""
    fitting.sort(key=lambda pair: pair[0])
    return _vcard_text(fitting[0][1].value).removeprefix("tel:")


def _is_organisation(card, org) -> bool:
    """An organisation's own card: Apple's X-ABShowAs:COMPANY, vCard 4.0's KIND:org, or a card naming only an ORG."""
    show_as = card.contents.get("x-abshowas")
    kind = card.contents.get("kind")
    if show_as and show_as[0].value.strip().upper() == "COMPANY":
        return True
    if kind and kind[0].value.strip().lower() in ("org", "organization"):
        return True
    name = card.contents.get("n")
    has_name = bool(name) and any(_vcard_text(getattr(name[0].value, part, "")) for part in ("family", "given"))
    full_name = _vcard_text(card.contents["fn"][0].value) if card.contents.get("fn") else ""
    return bool(org) and not has_name and full_name in ("", org[0])


def _vcard_row(card) -> dict:
    """One card as the import's columns: phones and addresses chosen by TYPE, never a HOME number as business.

    The business phone is the WORK number, else one with no type that is not a mobile, fax or pager; the mobile
    the CELL one. An organisation's card fills the account's own columns (main phone, website) and no name.
    """
    row = dict.fromkeys(VCARD_HEADERS, "")
    contents = card.contents
    labels = {line.group: _vcard_text(line.value) for line in contents.get("x-ablabel", ()) if line.group}
    org_line = contents.get("org")
    org_value = org_line[0].value if org_line else []
    org = [_vcard_text(part) for part in (org_value if isinstance(org_value, list) else [org_value])]
    department = " / ".join(part for part in org[1:] if part)
    organisation = _is_organisation(card, org)
    full_name = _vcard_text(contents["fn"][0].value) if contents.get("fn") else ""
    row["company_name"] = (org[0] if org else "") or (full_name if organisation else "")
    if not organisation:
        name = contents["n"][0].value if contents.get("n") else None
        if name is not None and not isinstance(name, str):
            row["last_name"], row["first_name"] = _vcard_text(name.family), _vcard_text(name.given)
        if not row["last_name"] and full_name:
            row["first_name"], row["last_name"] = split_full_name(full_name)
    if contents.get("title"):
        row["job_title"] = _vcard_text(contents["title"][0].value)
    emails = contents.get("email", ())
    row["email"] = _best(emails, labels, wanted=("WORK",)) or _best(emails, labels)
    phones = contents.get("tel", ())
    mobile = _best(phones, labels, wanted=("CELL",), refused=_NOT_VOICE)
    business = _best(phones, labels, wanted=("WORK",), refused={"CELL", "HOME", *_NOT_VOICE}) or _best(
        phones, labels, refused={"CELL", "HOME", *_NOT_VOICE}
    )
    if organisation:
        row["main_phone"] = _best(phones, labels, wanted=("MAIN",), refused=_NOT_VOICE) or business or mobile
        urls = contents.get("url", ())
        row["website"] = _best(urls, labels, wanted=("WORK",)) or _best(urls, labels)
    else:
        row["business_phone"], row["mobile_phone"] = business, mobile
    # The work address, else one not marked HOME, else the only one the card has (the contact has one address).
    addresses = sorted(
        contents.get("adr", ()),
        key=lambda line: ("WORK" not in _vcard_types(line, labels), "HOME" in _vcard_types(line, labels)),
    )
    address = addresses[0].value if addresses else None
    if address is not None and not isinstance(address, str):
        row["street"] = _vcard_text(address.street)
        row["city"] = _vcard_text(address.city)
        row["county"] = _vcard_text(address.region)
        row["postal_code"] = _vcard_text(address.code)
        row["country"] = _vcard_text(address.country)
    notes = [_vcard_text(line.value) for line in contents.get("note", ())]
    if department:
        notes.append(_("Department: %(department)s") % {"department": department})
    row["description"] = "\n".join(note for note in notes if note)
    return row


def _open_vcard(stream, encoding) -> Table:
    """Read the cards with vobject (folding, escapes, vCard 2.1's quoted-printable and charsets)."""
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    if text.read(1) != "\ufeff":
        text.seek(0)
    rows, organisations = [], []
    try:
        for card in vobject.readComponents(text, ignoreUnreadable=True, allowQP=True):
            if card.name.upper() != "VCARD":
                continue
            row = _vcard_row(card)
            rows.append([row[key] for key in VCARD_HEADERS])
            if not row["last_name"] and row["company_name"]:
                organisations.append(len(rows))
            if len(rows) > max_rows():
                raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": max_rows()})
    except (FileRefused, MemoryError):  # refused as such; past the sandbox's memory limit
        raise
    except Exception as error:  # vobject's ParseError, or a card it reads to something unexpected
        if not rows:
            raise FileRefused(_("The vCard file has no complete card (BEGIN:VCARD … END:VCARD).")) from error
        raise FileRefused(
            _("The vCard file cannot be read after card %(count)d: %(error)s") % {"count": len(rows), "error": error}
        ) from error
    finally:
        text.detach()
    if not rows:
        raise FileRefused(_("The vCard file has no complete card (BEGIN:VCARD … END:VCARD)."))
    table = _table("vCard", list(VCARD_HEADERS), enumerate(rows, start=1), total=len(rows), encoding=encoding)
    # The row numbers of organisations' own cards: accounts, not contacts, for an import that reads both.
    table.extra["organisation_rows"] = organisations
    return table
