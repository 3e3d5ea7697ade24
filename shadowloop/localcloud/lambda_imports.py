"""What a handler could import on Lambda, checked before the local runtime imports it.

On Lambda a function imports the runtime's standard library and AWS SDK, its own code
and its layers' libraries, nothing else. Locally it imports whatever this process has,
so a missing layer or a different library version would pass here and fail there.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
from functools import lru_cache
from pathlib import Path

from shadowloop.localcloud.managed_layers import layer_contents

# Lambda's Python runtimes ship the AWS SDK and its dependencies.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"})


def layer_problem(handler: str, layers: tuple[str, ...]) -> str | None:
    """Why importing ``handler`` with ``layers`` would fail on Lambda, or None if it would not."""
    module = handler.rpartition(".")[0]
    prefix = f"Unable to import module {module!r}:"
    provided = set()
    for arn in layers:
        release = layer_contents(arn)
        if release is None:
            continue
        for library in release.libraries:
            provided.add(_canonical(library.name))
            installed = _installed(library.name)
            if installed is not None and not library.serves(installed):
                return (
                    f"{prefix} layer {arn.split(':layer:')[-1]} carries {library.name} "
                    f"{library.version}, this process has {installed}"
                )
    for name in sorted(third_party_imports(module)):
        distributions = {_canonical(d) for d in _distributions().get(name, [name])}
        if name not in RUNTIME_PROVIDED and not distributions & provided:
            return f"{prefix} No module named {name!r} (none of the function's layers has it)"
    return None


@lru_cache
def third_party_imports(module: str) -> frozenset[str]:
    """Top-level modules outside the standard library that ``module``'s own package imports.

    Read from the source, not imported: the check runs before the handler's code does.
    """
    package = module.split(".")[0]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    root = Path(next(iter(spec.submodule_search_locations)))
    found: set[str] = set()
    pending, seen = [module], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _source(root, name)
        if path is None:
            continue
        parent = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for imported in _imports(path, parent):
            top = imported.split(".")[0]
            if top == package:
                pending.append(imported)
            elif top not in sys.stdlib_module_names:
                found.add(top)
    return frozenset(found)


def _source(root: Path, module: str) -> Path | None:
    """The file of a module of the package at ``root``; None for a name that is no module."""
    relative = Path(*module.split(".")[1:])
    if (package := root / relative / "__init__.py").is_file():
        return package
    if relative.parts and (file := (root / relative).with_suffix(".py")).is_file():
        return file
    return None


def _imports(path: Path, parent: str) -> list[str]:
    """Modules a source file imports (``from x import y`` also names ``x.y``: maybe a module)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), parent)
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)
    return names


@lru_cache
def _distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


@lru_cache
def _installed(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None  # the import itself fails, as it would without the layer
