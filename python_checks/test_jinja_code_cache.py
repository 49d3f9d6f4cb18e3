"""The tests' Jinja cache (jinja_code_cache, used by every dbt run of the suite): a template compiled once is
read back, renders as compiled, and a template that needs a filter an environment lacks is still refused;
a source parsed once is read back as the same tree, in the environment that asks, and a syntax error is
still raised."""
from __future__ import annotations

import threading

import jinja2
import jinja_code_cache
import pytest


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(jinja2.Environment, "compile", jinja2.Environment.compile)   # restored after the test
    monkeypatch.setattr(jinja2.Environment, "parse", jinja2.Environment.parse)
    folder = tmp_path / "jinja-cache"
    jinja_code_cache.install(str(folder))
    return folder


def cached_files(folder):
    return sorted(path.name for path in folder.iterdir())


def test_a_template_is_compiled_once_then_read_from_its_file(cache_folder):
    assert jinja2.Environment().from_string("{{ 40 + n }}").render(n=2) == "42"
    [answer] = cached_files(cache_folder)
    assert jinja2.Environment().from_string("{{ 40 + n }}").render(n=2) == "42"
    assert cached_files(cache_folder) == [answer]
    jinja2.Environment().from_string("read from the file")
    [other] = [name for name in cached_files(cache_folder) if name != answer]
    # the file is what the next compile of the first template returns: put the other's code in it
    (cache_folder / answer).write_bytes((cache_folder / other).read_bytes())
    assert jinja2.Environment().from_string("{{ 40 + n }}").render(n=2) == "read from the file"


def test_an_environment_without_a_filter_is_refused_though_another_compiled_the_template(cache_folder):
    with_filter = jinja2.Environment()
    with_filter.filters["shout"] = str.upper
    assert with_filter.from_string("{{ 'a' | shout }}").render() == "A"
    with pytest.raises(jinja2.TemplateAssertionError, match="shout"):
        jinja2.Environment().from_string("{{ 'a' | shout }}")
    assert len(cached_files(cache_folder)) == 1


def test_a_damaged_file_is_compiled_again(cache_folder):
    jinja2.Environment().from_string("{{ 1 + 1 }}")
    [name] = cached_files(cache_folder)
    (cache_folder / name).write_bytes(b"\x00not marshal")
    assert jinja2.Environment().from_string("{{ 1 + 1 }}").render() == "2"


def test_threads_compiling_one_template_at_once_all_get_it_and_leave_one_file(cache_folder):
    results, errors = [], []

    def compile_and_render():
        try:
            results.append(jinja2.Environment().from_string("{% for i in range(3) %}{{ i }}{% endfor %}").render())
        except Exception as error:   # noqa: BLE001 (any error of any thread fails the test below)
            errors.append(error)

    threads = [threading.Thread(target=compile_and_render) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == ["012"] * 8
    assert len(cached_files(cache_folder)) == 1   # no partial file left behind


def test_the_source_name_and_environment_are_all_in_the_key():
    plain, trimmed = jinja2.Environment(), jinja2.Environment(trim_blocks=True)
    keys = {jinja_code_cache.cache_key(plain, "x", None, None, False),
            jinja_code_cache.cache_key(plain, "y", None, None, False),
            jinja_code_cache.cache_key(plain, "x", "name", None, False),
            jinja_code_cache.cache_key(trimmed, "x", None, None, False)}
    assert len(keys) == 4
    assert jinja_code_cache.cache_key(jinja2.Environment(), "x", None, None, False) in keys


def test_installed_again_the_cache_uses_the_last_folder(cache_folder, tmp_path):
    jinja_code_cache.install(str(tmp_path / "second"))
    jinja2.Environment().from_string("{{ 2 + 2 }}")
    assert not cache_folder.exists() or cached_files(cache_folder) == []
    assert len(cached_files(tmp_path / "second")) == 1


def tree_files(folder):
    return [name for name in cached_files(folder) if not name.startswith(".")]


def test_a_parsed_tree_is_read_from_its_file_in_the_environment_that_asks(cache_folder):
    source = "{% macro greet(who) %}hello {{ who }}{% endmacro %}{{ greet('x') }}"
    first = jinja2.Environment().parse(source)
    [tree_file] = tree_files(cache_folder)
    asking = jinja2.Environment()
    again = asking.parse(source)
    assert again == first and again is not first
    assert all(node.environment is asking for node in again.find_all(jinja2.nodes.Node))
    assert tree_files(cache_folder) == [tree_file]
    # the file is what the next parse returns: put another source's tree in it
    jinja2.Environment().parse("{{ other }}")
    [other] = [name for name in tree_files(cache_folder) if name != tree_file]
    (cache_folder / tree_file).write_bytes((cache_folder / other).read_bytes())
    assert [node.name for node in jinja2.Environment().parse(source).find_all(jinja2.nodes.Name)] == ["other"]


def test_a_syntax_error_is_raised_every_time_and_a_damaged_tree_is_parsed_again(cache_folder):
    for _ in range(2):
        with pytest.raises(jinja2.TemplateSyntaxError):
            jinja2.Environment().parse("{% if %}")
    assert tree_files(cache_folder) == []
    tree = jinja2.Environment().parse("{{ a }}")
    [name] = tree_files(cache_folder)
    (cache_folder / name).write_bytes(b"not a pickle")
    assert jinja2.Environment().parse("{{ a }}") == tree
