"""The dbt docs site, as an analyst sees it: rendered by a real headless browser.

Set-up installs Debian's chromium when it is missing (CI machines start without
it). The site is dbt's single-page app; we render it with `--dump-dom` (the
model pages list their parents as links) and take screenshots of the lineage
graph (drawn on a canvas, so it is checked by eye: the PNGs are kept in
target/docs_screenshots/). The manifest gives the expected lineage, so nothing
here hard-codes model lists that the project may grow."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import matplotlib.image
import pytest

from conftest import DBT, PROJECT_DIR, run_dbt

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOT_DIR = PROJECT_DIR / "target" / "docs_screenshots"
TSG_CHECK_COUNT = 9


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt when absent (we run as root)."""
    if not Path(CHROMIUM).exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                pytest.fail(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def docs_target(built_warehouse, tmp_path_factory) -> Path:
    """`dbt docs generate --static`: static_index.html embeds manifest and catalog,
    so the browser opens it from disk with no server."""
    target = tmp_path_factory.mktemp("docs_site")
    run_dbt(["docs", "generate", "--static", "--target-path", str(target)], built_warehouse)
    return target


@pytest.fixture(scope="module")
def manifest(docs_target) -> dict:
    return json.loads((docs_target / "manifest.json").read_text())


def browse(chromium: str, url: str, tmp_path: Path, screenshot: Path | None = None) -> str:
    """Renders `url` headless in a fresh profile; returns the DOM without its
    scripts and styles (the static page inlines the manifest as script text)."""
    profile = tmp_path / f"chromium-profile-{time.monotonic_ns()}"
    profile.mkdir()
    # Virtual time lets the app's timers run to completion before the dump.
    args = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=20000",
            "--window-size=1600,1000"]
    args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    result = subprocess.run([*args, url], capture_output=True, text=True, timeout=180)
    shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-3000:]
    dom = re.sub(r"<script\b.*?</script>", "", result.stdout, flags=re.S)
    return re.sub(r"<style\b.*?</style>", "", dom, flags=re.S)


def rendered_parents(dom: str) -> set[str]:
    """unique_ids linked under the page's 'Depends On' heading."""
    start = dom.rindex("<h6>Depends On</h6>")
    section = dom[start:dom.index("</reference-list>", start)]
    return set(re.findall(r'href="#!/\w+/([^"]+)"', section))


def model_id(name: str) -> str:
    return f"model.oncall_analytics.{name}"


def ancestors(manifest: dict, unique_id: str) -> set[str]:
    seen, todo = set(), [unique_id]
    while todo:
        for parent in manifest["parent_map"].get(todo.pop(), []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def page_url(docs_target: Path, unique_id: str, graph_selector: str | None = None) -> str:
    url = f"{(docs_target / 'static_index.html').as_uri()}#!/model/{unique_id}"
    # g_v=1 opens the lineage graph, g_i is its --select box.
    return url + (f"?g_v=1&g_i={graph_selector.replace('+', '%2B')}" if graph_selector else "")


def save_lineage_screenshot(chromium, docs_target, tmp_path, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    png = SCREENSHOT_DIR / f"{name}_lineage.png"
    png.unlink(missing_ok=True)
    browse(chromium, page_url(docs_target, model_id(name), f"+{name}"), tmp_path, screenshot=png)
    pixels = matplotlib.image.imread(png)[..., :3]
    assert pixels.std() > 0.05, f"{png} looks blank"
    return png


def test_tsg_action_plan_lineage_shows_the_nine_checks(chromium, docs_target, manifest, tmp_path):
    plan = model_id("tsg_action_plan")
    checks = {uid for uid, node in manifest["nodes"].items()
              if node["resource_type"] == "model" and re.fullmatch(r"tsg_step\d\d_\w+", node["name"])}
    assert len(checks) == TSG_CHECK_COUNT, sorted(checks)
    assert checks <= ancestors(manifest, plan)

    dom = browse(chromium, page_url(docs_target, plan), tmp_path)
    assert "<h1>" in dom and "tsg_action_plan" in dom
    # the checks reach the plan through their findings (int_tsg__findings), one hop up
    findings = model_id("int_tsg__findings")
    assert findings in rendered_parents(dom), "the plan's page does not link the checks' findings"
    findings_dom = browse(chromium, page_url(docs_target, findings), tmp_path)
    assert checks <= rendered_parents(findings_dom), "the findings' page does not link all nine checks"
    save_lineage_screenshot(chromium, docs_target, tmp_path, "tsg_action_plan")


def test_incidents_page_shows_its_inputs(chromium, docs_target, manifest, tmp_path):
    incidents = model_id("incidents")
    dom = browse(chromium, page_url(docs_target, incidents), tmp_path)
    assert rendered_parents(dom) == set(manifest["parent_map"][incidents]) != set()
    # Upstream, the lineage reaches the metric scores and the raw metrics seed.
    upstream = ancestors(manifest, incidents)
    assert {model_id("metric_anomalies"), model_id("int_metrics__anomaly_scores"),
            "seed.oncall_analytics.service_metrics_hourly"} <= upstream
    save_lineage_screenshot(chromium, docs_target, tmp_path, "incidents")


def test_exposures_have_owners_and_reach_their_marts(manifest):
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert {"oncall_incident_report", "canary_gate", "tsg_runbook"} <= set(exposures)
    for name, exposure in exposures.items():
        assert exposure["owner"].get("name") or exposure["owner"].get("email"), name
        assert exposure["description"].strip(), name
    assert model_id("tsg_action_plan") in exposures["tsg_runbook"]["depends_on"]["nodes"]
    assert model_id("canary_version_comparison") in exposures["canary_gate"]["depends_on"]["nodes"]
    assert model_id("incidents") in exposures["oncall_incident_report"]["depends_on"]["nodes"]


def test_every_model_belongs_to_one_of_the_four_groups(manifest):
    groups = {group["name"] for group in manifest["groups"].values()}
    assert groups == {"serverless", "detection", "troubleshooting_guide", "slo"}
    ungrouped = [uid for uid, node in manifest["nodes"].items()
                 if node["resource_type"] == "model" and node["config"].get("group") not in groups]
    assert ungrouped == []
    assert manifest["nodes"][model_id("tsg_action_plan")]["group"] == "troubleshooting_guide"
    assert manifest["nodes"][model_id("incidents")]["group"] == "detection"
    assert manifest["nodes"][model_id("canary_version_comparison")]["group"] == "serverless"
    assert manifest["nodes"][model_id("slo_burn_rate_alerts")]["group"] == "slo"
    assert manifest["groups"]["group.oncall_analytics.slo"]["owner"]["name"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_docs_serve_answers_on_localhost(docs_target, built_warehouse):
    """What `make docs` ends with: the site served on localhost."""
    port = _free_port()
    env = {**os.environ, "DBT_DUCKDB_PATH": str(built_warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    server = subprocess.Popen(
        [DBT, "docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser",
         "--target-path", str(docs_target), "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.json", timeout=5) as response:
                    assert json.load(response)["metadata"]["project_name"] == "oncall_analytics"
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_source_exposure_and_group_is_described(manifest):
    undescribed = [uid for kind in ("sources", "exposures", "groups") for uid, node in manifest[kind].items()
                   if node.get("package_name") == "oncall_analytics" and not (node.get("description") or "").strip()]
    assert undescribed == []


def test_doc_blocks_explain_the_guide_steps_and_the_notebook_method(manifest):
    blocks = {node["name"]: node["block_contents"] for node in manifest["docs"].values()
              if node["package_name"] == "oncall_analytics"}
    steps = [node["name"] for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and re.fullmatch(r"tsg_step\d\d_\w+", node["name"])]
    method = ["anomaly_detector", "incident_localization", "tsg_action_plan", "__overview__"]
    missing = [name for name in steps + method if not blocks.get(name, "").strip()]
    assert missing == []
    # Each check's page shows its step of the guide.
    for name in steps:
        assert manifest["nodes"][model_id(name)]["description"].strip() == blocks[name].strip(), name
