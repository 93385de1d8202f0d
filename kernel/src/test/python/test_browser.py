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


def with_probe(page: Path) -> Path:
    text = page.read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", text)
    assert head, "no <head> in the exported page"
    probed = page.with_name(page.stem + ".probed.html")
    probed.write_text(text[:head.end()] + PROBE + text[head.end():], encoding="utf-8")
    return probed


def load_and_probe(page: Path, user_dir: Path):
    """Opens the page, lets it run 10 s of virtual time, returns (plots, containers, js errors)."""
    done = chromium(["--virtual-time-budget=10000", "--dump-dom", with_probe(page).as_uri()], user_dir)
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
                     "--hide-scrollbars", page.as_uri() + "#A-Plotly-figure"], tmp_path / "profile-shot")
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


def test_figures_draw_after_a_cell_was_run_again(artifacts, tmp_path):
    """Run both cells, then the first again, save, export: the saved notebook must still draw."""
    nb = run_cells(FIGURES, rerun_first=True)
    path = artifacts / "rerun-figure.executed.ipynb"
    nbformat.write(nb, str(path))
    plots, containers, errors = load_and_probe(export_html(path, artifacts, "rerun-figure"), tmp_path / "p")
    assert plot_errors(errors) == [], errors
    assert [c["drawn"] for c in containers] == [True, True], containers
