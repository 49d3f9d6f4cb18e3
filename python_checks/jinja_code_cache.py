"""Jinja's compiled templates and parsed trees, kept in files and shared by the dbt runs of a test session
(dbt_process).

dbt compiles every macro file, model and Jinja-bearing YAML value of the project in every run: about 2,500
templates, some 2.3 s of a core, a fifth of a parse. It also parses some 3,400 sources to a tree only (to
find the macros a file defines and calls): about 1.5 s more. The tests run dbt some 250 times on the same
files. Jinja's own bytecode cache does the first for templates loaded by name; dbt compiles from strings,
which it skips. So the forked runs install this: a template's code, or a source's tree, is read from the
folder when it was made before, or made and written there.

The key is what Jinja's parser and compiler read: the source, its name and file name, and the environment's
class (dbt's own parser), syntax, extensions, and the names of its filters and tests (an unknown filter is a
compile error). A tree refers to its environment: it is stored without it and given the one that asks.
DBT_MACRO_DEBUGGING, which writes templates out as they are compiled, turns the cache off.
"""
from __future__ import annotations

import hashlib
import io
import marshal
import os
import pickle
import sys
import tempfile
from types import CodeType

import jinja2


def _environment_traits(environment: jinja2.Environment) -> tuple:
    autoescape = environment.autoescape
    return (type(environment).__module__, type(environment).__qualname__,
            environment.code_generator_class.__qualname__, environment.lexer.__class__.__qualname__,
            environment.block_start_string, environment.block_end_string, environment.variable_start_string,
            environment.variable_end_string, environment.comment_start_string, environment.comment_end_string,
            environment.line_statement_prefix, environment.line_comment_prefix, environment.trim_blocks,
            environment.lstrip_blocks, environment.newline_sequence, environment.keep_trailing_newline,
            environment.optimized, environment.is_async, environment.finalize is not None,
            autoescape if isinstance(autoescape, bool) else getattr(autoescape, "__qualname__", repr(autoescape)),
            tuple(sorted(environment.extensions)), tuple(sorted(environment.filters)), tuple(sorted(environment.tests)))


def cache_key(environment: jinja2.Environment, source: str, name: str | None, filename: str | None, defer_init: bool,
              kind: str = "code") -> str:
    parts = (kind, sys.version, jinja2.__version__, _environment_traits(environment), name, filename, defer_init, source)
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _write_whole(folder: str, path: str, data: bytes) -> None:
    # whole or absent: another run, or another of dbt's threads, may write or read it at the same moment
    handle, partial = tempfile.mkstemp(dir=folder, prefix=".partial-")
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.replace(partial, path)


class _TreePickler(pickle.Pickler):
    """A parsed tree without its environment (every node refers to it): stored as a reference."""

    def __init__(self, file, environment):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.environment = environment

    def persistent_id(self, obj):
        return "environment" if obj is self.environment else None


class _TreeUnpickler(pickle.Unpickler):
    def __init__(self, file, environment):
        super().__init__(file)
        self.environment = environment

    def persistent_load(self, pid):
        if pid != "environment":
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self.environment


def _tree_bytes(environment: jinja2.Environment, tree: jinja2.nodes.Template) -> bytes | None:
    buffer = io.BytesIO()
    try:
        _TreePickler(buffer, environment).dump(tree)
    except (pickle.PicklingError, TypeError, AttributeError):   # a node holding what cannot be stored: not cached
        return None
    return buffer.getvalue()


_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError, IndexError)


def _read_code(file) -> CodeType | None:
    code = marshal.load(file)
    return code if isinstance(code, CodeType) else None


def _read_tree(file, environment: jinja2.Environment) -> jinja2.nodes.Template | None:
    tree = _TreeUnpickler(file, environment).load()
    return tree if isinstance(tree, jinja2.nodes.Template) else None


def _read_or_make(path: str, read, make, to_bytes):
    """What the file at `path` holds (read(file); None or a damaged file: nothing), else make(), then written
    there whole (unless to_bytes gives None: not storable)."""
    try:
        with open(path, "rb") as file:
            made = read(file)
        if made is not None:
            return made
    except _UNREADABLE:
        pass
    made = make()
    data = to_bytes(made)
    if data is not None:
        _write_whole(os.path.dirname(path), path, data)
    return made


def install(folder: str) -> None:
    """From now on, this process's Jinja compiles and parses through the files in `folder` (created if missing)."""
    os.makedirs(folder, exist_ok=True)
    original = getattr(jinja2.Environment.compile, "uncached", jinja2.Environment.compile)   # installed twice: the last folder

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):   # noqa: A001 (Jinja's name)
        if raw or not isinstance(source, str) or os.environ.get("DBT_MACRO_DEBUGGING"):
            return original(self, source, name, filename, raw, defer_init)
        path = os.path.join(folder, cache_key(self, source, name, filename, defer_init))
        return _read_or_make(path, _read_code, lambda: original(self, source, name, filename, raw, defer_init), marshal.dumps)

    original_parse = getattr(jinja2.Environment.parse, "uncached", jinja2.Environment.parse)

    def parse(self, source, name=None, filename=None):
        if not isinstance(source, str) or os.environ.get("DBT_MACRO_DEBUGGING"):
            return original_parse(self, source, name, filename)
        path = os.path.join(folder, cache_key(self, source, name, filename, False, kind="tree"))
        # a syntax error raises in the original parse, as without the cache
        return _read_or_make(path, lambda file: _read_tree(file, self), lambda: original_parse(self, source, name, filename),
                             lambda tree: _tree_bytes(self, tree))

    compile.uncached = original
    parse.uncached = original_parse
    jinja2.Environment.compile = compile
    jinja2.Environment.parse = parse
