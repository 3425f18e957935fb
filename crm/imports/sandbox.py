"""Full parses of workbooks, XML and vCards run in a child process with memory and CPU limits.

A small file can unpack or expand into something huge (an .ods whose 100 KB hold 10 MB of XML, a
workbook of 45 MB of shared strings): parsed in the web worker or the task worker, it would take that
worker's memory and time, and a killed worker takes every request it serves with it. So the process
that imports only checks what is cheap to check (type, size, an archive's directory) and a child
reads the file: the child's address space is capped (RLIMIT_AS, ``CRM_IMPORT_READER_MEMORY``) and its
CPU time (RLIMIT_CPU, ``CRM_IMPORT_READER_SECONDS``). A file that passes either kills only the child,
and the import is refused with "the file is too large to read safely". The child sends the header
row and the size first, then rows in chunks, so the importing process writes while the child reads.
"""

import multiprocessing
import os
import signal
import tempfile
from queue import Empty

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

_CHUNK = 500


def reader_memory() -> int:
    return getattr(settings, "CRM_IMPORT_READER_MEMORY", 1024 * 1048576)


def reader_seconds() -> int:
    return getattr(settings, "CRM_IMPORT_READER_SECONDS", 600)


class TooSlowToCheck(Exception):
    """The child did not read the header within the time a web request may wait: check it on the worker."""


# Children are forked from a server process that has set Django up once (sandbox_boot): a spawned
# child would spend most of a second importing Django before reading a byte.
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["crm.imports.sandbox_boot"])


def _import_settings():
    """The import settings as this process has them (a test's overrides too), for the child to use."""
    return {name: getattr(settings, name) for name in dir(settings) if name.startswith("CRM_IMPORT_")}


def read_file(path, queue, *, language, memory, seconds, overrides=None):
    """The child: limit itself, read ``path`` with the in-process readers, and send what it read."""
    import resource

    import django

    django.setup()
    from crm.imports import readers

    for name, value in (overrides or {}).items():
        setattr(settings, name, value)
    translation.activate(language)
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        with open(path, "rb") as stream:
            table = readers.open_here(stream)
            queue.put(("table", table.format, table.headers, table.total, table.encoding, table.extra))
            chunk = []
            for item in table.rows:
                chunk.append(item)
                if len(chunk) >= _CHUNK:
                    queue.put(chunk)
                    chunk = []
            if chunk:
                queue.put(chunk)
        queue.put(None)
    except readers.FileRefused as error:
        queue.put(("refused", str(error)))
    except MemoryError:
        # Nothing more may be allocated here: leave at once, with an exit code the parent reads.
        os._exit(MEMORY_EXIT)
    except Exception as error:
        queue.put(("refused", _("The file cannot be read: %(error)s") % {"error": error}))
    queue.close()
    queue.join_thread()


MEMORY_EXIT = 86


def _stopped(process, memory, seconds):
    from crm.imports.readers import FileRefused, ReaderStopped

    code = process.exitcode
    if code == MEMORY_EXIT or code == -signal.SIGKILL:
        # SIGKILL: the kernel's out-of-memory killer, when the machine runs out before the child's limit.
        return FileRefused(
            _("The file is too large to read safely: reading it needed more than %(limit)d MB of memory.")
            % {"limit": memory // 1048576}
        )
    if code == -signal.SIGXCPU:
        return FileRefused(
            _("The file is too large to read safely: reading it took more than %(limit)d seconds.")
            % {"limit": seconds}
        )
    return ReaderStopped(
        _("The process reading the file stopped (exit code %(code)s) before the end of the file.") % {"code": code}
    )


def rows_in_a_sandbox(path, *, within=None, seconds=None, read=read_file):
    """Yield what the child reads from ``path``: first ("table", format, headers, total, encoding, extra).

    ``within``: seconds to wait for the header before giving up with TooSlowToCheck (a web request's
    check); ``seconds``: the child's CPU limit, when lower than the setting's (a web request's read).
    """
    from crm.imports.readers import FileRefused

    memory = reader_memory()
    seconds = min(seconds or reader_seconds(), reader_seconds())
    queue = _context.Queue(maxsize=16)
    process = _context.Process(
        target=read, args=(path, queue),
        kwargs={"language": translation.get_language() or settings.LANGUAGE_CODE, "memory": memory,
                "seconds": seconds, "overrides": _import_settings()},
        daemon=True,
    )
    process.start()
    waited = 0.0
    header_seen = False
    try:
        while True:
            try:
                message = queue.get(timeout=0.1 if within and not header_seen else 1)
            except Empty:
                waited += 0.1 if within and not header_seen else 1
                if not process.is_alive():
                    raise _stopped(process, memory, seconds) from None
                if within and not header_seen and waited >= within:
                    raise TooSlowToCheck() from None
                continue
            if message is None:
                break
            if isinstance(message, tuple) and message[0] == "refused":
                raise FileRefused(message[1])
            if isinstance(message, tuple):
                header_seen = True
                yield message
                continue
            yield from message
    finally:
        if process.is_alive():
            process.kill()
        process.join()


def spill_to_disk(stream) -> str:
    """Copy a stream that is not a file on disk (an upload held in memory) to a temporary file; its path."""
    stream.seek(0)
    handle = tempfile.NamedTemporaryFile(prefix="crm-import-", delete=False)
    with handle:
        while chunk := stream.read(1 << 20):
            handle.write(chunk)
    stream.seek(0)
    return handle.name
