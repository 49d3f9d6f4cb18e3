"""Jinja's compiled templates, kept in files and shared by the dbt runs of a test session (dbt_process).

dbt compiles every macro file, model and Jinja-bearing YAML value of the project in every run: about 2,500
templates, some 2.3 s of a core, a fifth of a parse. The tests run dbt some 250 times on the same files.
Jinja's own bytecode cache does this for templates loaded by name; dbt compiles from strings, which it
skips. So the forked runs install this: a template's code is read from the folder when it was compiled
before, or compiled and written there.

The key is what Jinja's compiler reads: the source, its name and file name, and the environment's class
(dbt's own parser), syntax, extensions, and the names of its filters and tests (an unknown filter is a
compile error). DBT_MACRO_DEBUGGING, which writes templates out as they are compiled, turns the cache off.
"""
from __future__ import annotations

import hashlib
import marshal
import os
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


def cache_key(environment: jinja2.Environment, source: str, name: str | None, filename: str | None, defer_init: bool) -> str:
    parts = (sys.version, jinja2.__version__, _environment_traits(environment), name, filename, defer_init, source)
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def install(folder: str) -> None:
    """From now on, this process's Jinja compiles through the files in `folder` (created if missing)."""
    os.makedirs(folder, exist_ok=True)
    original = getattr(jinja2.Environment.compile, "uncached", jinja2.Environment.compile)   # installed twice: the last folder

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):   # noqa: A001 (Jinja's name)
        if raw or not isinstance(source, str) or os.environ.get("DBT_MACRO_DEBUGGING"):
            return original(self, source, name, filename, raw, defer_init)
        path = os.path.join(folder, cache_key(self, source, name, filename, defer_init))
        try:
            with open(path, "rb") as file:
                code = marshal.load(file)
            if isinstance(code, CodeType):
                return code
        except (OSError, EOFError, ValueError, TypeError):
            pass
        code = original(self, source, name, filename, raw, defer_init)
        # whole or absent: another run, or another of dbt's threads, may write or read it at the same moment
        handle, partial = tempfile.mkstemp(dir=folder, prefix=".partial-")
        with os.fdopen(handle, "wb") as file:
            marshal.dump(code, file)
        os.replace(partial, path)
        return code

    compile.uncached = original
    jinja2.Environment.compile = compile
