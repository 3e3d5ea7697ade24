"""Imported at a local job's start (see ``__init__.py``): the image's import boundary."""

import json
import os
import sys
from importlib.machinery import PathFinder

_JOB_DIR = os.environ.get("SHADOWLOOP_JOB_DIR", "")
_IMAGE = os.environ.get("SHADOWLOOP_IMAGE", "the job's image")
_LIBRARIES = frozenset(json.loads(os.environ.get("SHADOWLOOP_IMAGE_LIBRARIES", "[]")))


def _inside(path):
    return bool(path) and os.path.abspath(path).startswith(_JOB_DIR + os.sep)


def _importer():
    """The file of the first frame outside the import machinery: who asked for the module."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith("<frozen") and "importlib" not in name:
            return name
        frame = frame.f_back
    return None


class _ImageGuard:
    def find_spec(self, name, path=None, target=None):
        if path is not None or name in sys.stdlib_module_names or name in _LIBRARIES:
            return None
        if not _inside(_importer()):
            return None
        own = PathFinder.find_spec(name)
        locations = (own.submodule_search_locations or [own.origin]) if own else []
        if locations and all(_inside(p) for p in locations):
            return None
        message = f"No module named {name!r} ({_IMAGE} does not have it)"
        raise ModuleNotFoundError(message, name=name)


if _JOB_DIR:
    sys.meta_path.insert(0, _ImageGuard())
