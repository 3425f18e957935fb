"""A file reader that dies at once, as one killed by the system would (run in a spawned process)."""

import os


def die_at_once(path, queue, **limits):
    os._exit(3)
