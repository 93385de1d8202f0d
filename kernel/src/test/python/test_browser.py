"""Figures really draw: executed notebooks exported with nbconvert and opened in headless Chromium,
with every host name unresolvable, so nothing can come from the network."""
import html as html_lib
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from globmed_testing import JUPYTER, KERNEL_NAME, install_kernelspec

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

# Records script errors and, once the page settled, what Plotly drew, as attributes of <html>.
PROBE = """<script>
(function () {
  var errors = [];
  function save() { document.documentElement.setAttribute('data-js-errors', JSON.stringify(errors)); }
  window.addEventListener('error', function (e) {
    errors.push(String(e.message) + ' at ' + (e.filename || '?') + ':' + (e.lineno || 0));
    save();
  });
  window.addEventListener('unhandledrejection', function (e) { errors.push('unhandled rejection: ' + e.reason); save(); });
  save();
  window.addEventListener('load', function () {
    setTimeout(function () {
      var plots = [];
      document.querySelectorAll('.js-plotly-plot').forEach(function (p) {
        plots.push({id: p.id, svgs: p.querySelectorAll('.main-svg').length,
                    traces: p.querySelectorAll('g.trace').length,
                    bars: p.querySelectorAll('g.trace.bars').length,
                    text: (p.textContent || '').slice(0, 200)});
      });
      var containers = [];
      document.querySelectorAll('.globmed-plot').forEach(function (d) {
        containers.push({id: d.id, drawn: d.classList.contains('js-plotly-plot'), text: (d.textContent || '').slice(0, 200)});
      });
      document.documentElement.setAttribute('data-plots', JSON.stringify(plots));
      document.documentElement.setAttribute('data-containers', JSON.stringify(containers));
      document.documentElement.setAttribute('data-probe-done', 'yes');
    }, 4000);
  });
})();
</script>
"""

OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND"


def chromium(args, user_dir, timeout=120):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
               OFFLINE, f"--user-data-dir={user_dir}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def export_html(notebook_path: Path, out_dir: Path, name: str) -> Path:
    done = subprocess.run([JUPYTER, "nbconvert", "--to", "html", "--output-dir", str(out_dir), "--output", name,
                           str(notebook_path)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return out_dir / f"{name}.html"


def with_probe(page: Path, work_dir: Path) -> Path:
    text = page.read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", text)
    assert head, "no <head> in the exported page"
    work_dir.mkdir(parents=True, exist_ok=True)
    probed = work_dir / (page.stem + ".probed.html")
    probed.write_text(text[:head.end()] + PROBE + text[head.end():], encoding="utf-8")
    return probed


def load_and_probe(page: Path, user_dir: Path):
    """Opens the page, lets it run 10 s of virtual time, returns (plots, containers, js errors)."""
    done = chromium(["--virtual-time-budget=10000", "--dump-dom", with_probe(page, user_dir.parent).as_uri()],
                    user_dir)
    dom = done.stdout
    root = re.search(r"<html[^>]*>", dom)
    assert root, f"chromium printed no DOM: {done.stderr[-2000:]}"

    def attribute(name):
        m = re.search(name + r'="([^"]*)"', root.group(0))
        return json.loads(html_lib.unescape(m.group(1))) if m else None

    assert 'data-probe-done="yes"' in root.group(0), \
        "the page did not finish loading within the virtual time budget"
    return attribute("data-plots") or [], attribute("data-containers") or [], attribute("data-js-errors") or []


def plot_errors(errors):
    """Script errors, without the ones about CDN resources of the nbconvert template (offline)."""
    return [e for e in errors if "require" not in e.lower() and "mathjax" not in e.lower()]


def test_exported_tour_draws_its_figure_offline(executed_tour, artifacts, tmp_path):
    _, executed = executed_tour
    page = export_html(executed, artifacts, "00-kernel-tour")
    plots, containers, errors = load_and_probe(page, tmp_path / "profile")
    assert plot_errors(errors) == [], f"JavaScript errors: {errors}"
    assert len(containers) == 1, containers
    assert containers[0]["drawn"], f"the figure was not drawn: {containers}"
    assert len(plots) == 1, plots
    assert plots[0]["svgs"] >= 1, plots
    assert plots[0]["bars"] == 2, f"expected 2 bar traces: {plots}"
    # A picture for people: the figure's part of the page.
    shot = artifacts / "00-kernel-tour.png"
    shot.unlink(missing_ok=True)
    done = chromium(["--virtual-time-budget=10000", f"--screenshot={shot}", "--window-size=1200,2000",
                     "--hide-scrollbars", page.as_uri()], tmp_path / "profile-shot")
    assert shot.exists() and shot.stat().st_size > 10_000, done.stderr[-2000:]


def run_cells(sources, rerun_first=False, timeout=120):
    """Executes cells in one kernel with nbclient; optionally runs the first one again at the end,
    as a user who re-runs a cell does. Returns the notebook."""
    from nbclient import NotebookClient

    install_kernelspec()
    nb = new_notebook(cells=[new_code_cell(s) for s in sources], metadata={
        "kernelspec": {"name": KERNEL_NAME, "display_name": "Java (GlobMed)", "language": "java"}})
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=timeout)
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
        if rerun_first:
            client.execute_cell(nb.cells[0], 0)
    return nb


FIGURES = [
    'Table t = Table.create("t", StringColumn.create("lang", "en", "sw"), DoubleColumn.create("acc", 0.8, 0.5));\n'
    'VerticalBarPlot.create("first", t, "lang", "acc")',
    'LinePlot.create("second", t, "lang", "acc")',
]


def test_every_figure_of_a_notebook_draws(artifacts, tmp_path):
    nb = run_cells(FIGURES)
    path = artifacts / "two-figures.executed.ipynb"
    nbformat.write(nb, str(path))
    plots, containers, errors = load_and_probe(export_html(path, artifacts, "two-figures"), tmp_path / "p")
    assert plot_errors(errors) == [], errors
    assert [c["drawn"] for c in containers] == [True, True], containers
    assert all(p["svgs"] >= 1 and p["traces"] == 1 for p in plots), plots


def test_figures_without_plotly_on_the_page_say_why(artifacts, tmp_path):
    """plotly.js comes once per kernel session, with the first figure (as the design asks). Run
    both figure cells, then the first again: the saved notebook no longer carries the library. The
    figures cannot draw, and each says why and what to do instead of staying blank."""
    nb = run_cells(FIGURES, rerun_first=True)
    path = artifacts / "rerun-figure.executed.ipynb"
    nbformat.write(nb, str(path))
    plots, containers, errors = load_and_probe(export_html(path, artifacts, "rerun-figure"), tmp_path / "p")
    assert plot_errors(errors) == [], errors
    assert len(containers) == 2, containers
    for c in containers:
        assert not c["drawn"], containers
        assert "plotly.js is not on this page" in c["text"] and "Restart the kernel" in c["text"], containers


# ---------------------------------------------------------------------------------------------
# a live notebook server

# Loaded by Notebook 6 into every notebook page (from JUPYTER_CONFIG_DIR/custom): runs all cells,
# saves, and reports what the page shows in document.title, which the DevTools HTTP endpoint
# lists, so no websocket client is needed.
LIVE_PROBE = """
require(['base/js/namespace', 'base/js/events'], function (Jupyter, events) {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  function count(selector) { return document.querySelectorAll(selector).length; }
  function summary() {
    return JSON.stringify({
      plots: count('.js-plotly-plot'), svgs: count('.js-plotly-plot .main-svg'),
      bars: count('.js-plotly-plot g.trace.bars'), images: count('.output_png img'),
      tables: count('.output_html table.dataframe'), errorOutputs: count('.output_error'),
      markdown: (document.querySelector('.output_markdown') || {}).textContent || '',
      jsErrors: errors});
  }
  function report(text) {
    setInterval(function () { document.title = 'GLOBMED ' + text; }, 300);
  }
  var started = false;
  var timer = setInterval(function () {
    var nb = Jupyter.notebook;
    if (!nb || !nb.kernel || !nb.kernel.is_connected() || !nb.kernel.info_reply || !nb.kernel.info_reply.status) {
      return;
    }
    var cells = nb.get_cells().filter(function (c) { return c.cell_type === 'code'; });
    if (!started) {
      started = true;
      nb.execute_all_cells();
      return;
    }
    var pending = cells.filter(function (c) {
      return c.input_prompt_number === undefined || c.input_prompt_number === null || c.input_prompt_number === '*';
    });
    if (pending.length === 0) {
      clearInterval(timer);
      setTimeout(function () {
        events.one('notebook_saved.Notebook', function () { report(summary()); });
        nb.save_notebook();
      }, 2000);
    }
  }, 250);
});
"""


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=2):
    import urllib.request
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def wait_for(check, timeout, what):
    import time
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except OSError as e:
            last = e
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what} ({last})")


def test_live_notebook_server_runs_the_tour_and_draws(artifacts, tmp_path):
    import os
    import signal
    import urllib.request

    install_kernelspec()
    from globmed_testing import TOUR
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(TOUR, notebooks / "tour.ipynb")
    config = tmp_path / "config"
    (config / "custom").mkdir(parents=True)
    (config / "custom" / "custom.js").write_text(LIVE_PROBE)
    port, debug_port, token = free_port(), free_port(), "globmed-test-token"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server_log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([JUPYTER, "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                               f"--NotebookApp.token={token}", f"--notebook-dir={notebooks}",
                               "--NotebookApp.port_retries=0"] + (["--allow-root"] if os.geteuid() == 0 else []),
                              env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
    browser = None
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "started" in http_get(f"{base}/api/status?token={token}"), 60, "the notebook server")
        browser = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
             OFFLINE + ", EXCLUDE 127.0.0.1", f"--user-data-dir={tmp_path / 'profile'}", f"--remote-debugging-port={debug_port}",
             "--remote-debugging-address=127.0.0.1", "--window-size=1200,2000",
             f"{base}/notebooks/tour.ipynb?token={token}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

        seen = []

        def title():
            pages = [t for t in json.loads(http_get(f"http://127.0.0.1:{debug_port}/json/list"))
                     if t.get("type") == "page"]
            seen[:] = [(t.get("title"), t.get("url")) for t in pages]
            for target in pages:
                if target.get("title", "").startswith("GLOBMED "):
                    return target["title"][len("GLOBMED "):]
            return None

        try:
            shown = json.loads(html_lib.unescape(wait_for(title, 180, "the notebook page to run all cells")))
        except AssertionError as e:
            raise AssertionError(f"{e}; pages: {seen}; server log:\n"
                                 + (tmp_path / "server.log").read_text()[-3000:]) from None
    finally:
        if browser is not None:
            os.killpg(browser.pid, signal.SIGTERM)
            browser.wait(timeout=20)
        try:
            request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST", data=b"")
            urllib.request.urlopen(request, timeout=10).read()
            server.wait(timeout=30)
        except Exception:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        server_log.close()
    shutil.copy(notebooks / "tour.ipynb", artifacts / "00-kernel-tour.live.ipynb")
    assert shown["jsErrors"] == [], shown
    assert shown["errorOutputs"] == 0, shown
    assert shown["plots"] == 1 and shown["svgs"] >= 1, shown
    assert shown["bars"] == 2, shown
    assert shown["images"] == 1 and shown["tables"] == 1, shown
    assert "Done: 3 of 3 languages" in shown["markdown"], shown
