"""dbt's command line for the tests, run in a process forked from one that has already imported dbt.

Importing dbt's command line takes about 3 s of a core, and the suite runs dbt several hundred times.
A fork server (multiprocessing's "forkserver" context, started once per pytest process) imports
`dbt.cli.main` (and numpy and pandas, which every run that opens the warehouse imports: PRELOAD), then
forks a child for each run: the child sets the run's environment, working folder and output files, and
calls the same entry point as the `dbt` executable. The forking process runs no Python thread and has
opened no database, so each run starts as a fresh `dbt` would, but for the imports. The commands the
README shows still run the real executable (through make), in their tests.

Caches save what every run would build again, and change nothing it computes: the fork server builds the
JSON schemas dbt validates against (dbt_schema_warmup, about a seventh of a run); each run compiles and
parses its Jinja templates through files the runs share (jinja_code_cache, about a third), and skips the
schema checks of values that passed them in an earlier run (dbt_validation_cache, about a tenth).

Tried and not kept (2026-12-06): giving a run the partial-parse state of an earlier run with the same vars
(target/partial_parse.msgpack, copied between test folders). It needs two changes to dbt's own checks (the
profile's connection values hold each test's warehouse path, so no state fits; and a state holds the
project folder that saved it, from which dbt-duckdb loads a seed's CSV, while a seed over 1 MiB is never
parsed again: five tests loaded another copy's seeds). With both, nine files that rerun their vars most took
the same time (247 s of wall and 479 s of CPU before, 250 s and 469 s after): with the caches above, a full
parse costs about what reading, checking and rewriting a 3.3 MB state does.
"""
from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.forkserver
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import dbt_validation_cache
import jinja_code_cache

_context = None
_starting = threading.Lock()   # run_dbt_concurrently starts runs from several threads
# numpy and pandas: the profile's warm_imports plugin imports them in every run that opens the warehouse (about
# 0.45 s of a core each time, a tenth of a small build's run; measured 2026-12-07); imported here, they are
# already there. numpy's OpenBLAS stops its threads before a fork (pthread_atfork) and starts them again on
# its next use in the child, so a run computes with the threads a fresh process would.
PRELOAD = ["dbt.cli.main", "dbt_schema_warmup", "numpy", "pandas"]


def _forkserver_context():
    global _context
    with _starting:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            # Python 3.11's fork server imports its preload on the interpreter's own path, not this process's
            # sys.path, and skips a module it cannot find without a word: this folder is on its PYTHONPATH
            # for its start only (a run's environment is its own, set in the child)
            saved = os.environ.get("PYTHONPATH")
            os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent), saved]))
            try:
                multiprocessing.forkserver.ensure_running()
            finally:
                if saved is None:
                    os.environ.pop("PYTHONPATH")
                else:
                    os.environ["PYTHONPATH"] = saved
            _context = context
    return _context


def preloaded_modules() -> list[str]:
    """Which of PRELOAD a forked run finds imported (what the fork server could import)."""
    return [name for name in PRELOAD if name in sys.modules]


def in_forked_child(function):
    """function() run in a child of the fork server; its result."""
    with _forkserver_context().Pool(1) as pool:
        return pool.apply(function)


def _dbt_cli(args: list[str], env: dict[str, str], cwd: str, out_path: str, err_path: str, cache_folder: str) -> None:
    """The body of the `dbt` executable, with this run's streams, environment and folder."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    for fd, path in ((1, out_path), (2, err_path)):
        with open(path, "wb") as file:
            os.dup2(file.fileno(), fd)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()   # TZ as the run sets it (a test may run dbt in another local zone)
    os.chdir(cwd)
    sys.argv = ["dbt", *args]
    jinja_code_cache.install(os.path.join(cache_folder, "jinja"))
    dbt_validation_cache.install(os.path.join(cache_folder, "schema-checks-passed"))
    from dbt.cli.main import cli
    try:
        cli(args=args, prog_name="dbt")   # exits (SystemExit) with dbt's exit code, as the executable does
    finally:
        # what the interpreter's exit runs, and a multiprocessing child's os._exit skips: dbt-duckdb closes
        # the warehouse there (writing its WAL into the file), and logging flushes dbt's log file
        atexit._run_exitfuncs()


def run(args: list[str], env: dict[str, str], cwd: Path, cache_folder: Path) -> subprocess.CompletedProcess:
    """`dbt <args>` in `cwd` with the environment `env`, its caches in the folder `cache_folder`;
    its exit code, stdout and stderr as subprocess.run gives them."""
    with tempfile.TemporaryDirectory(prefix="dbt-run-") as folder:
        out_path, err_path = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
        for path in (out_path, err_path):
            open(path, "wb").close()   # read back even if the child stops before it writes
        process = _forkserver_context().Process(target=_dbt_cli, args=(list(args), dict(env), str(cwd), out_path, err_path, str(cache_folder)))
        process.start()
        process.join()
        with open(out_path, encoding="utf-8", errors="replace") as out, open(err_path, encoding="utf-8", errors="replace") as err:
            return subprocess.CompletedProcess(["dbt", *args], process.exitcode, out.read(), err.read())
