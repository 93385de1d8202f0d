"""Figures for papers: `globmed figures` on result folders, the saved HTML, PNG and SVG files (drawn
in headless Chromium, offline), and notebooks/05-paper-figures.ipynb executed, exported to HTML and
opened in Chromium. Pictures of what was drawn stay in kernel/target/test-artifacts/figures/."""
import html as html_lib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from globmed_testing import GLOBMED, PAPER_FIGURES, cell_by_id, execute_notebook, output_data, stream_text
from test_browser import CHROMIUM, OFFLINE, export_html, load_and_probe, plot_errors
from test_notebooks import assert_ran_cleanly

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

LANGUAGES = ["en", "es", "fr", "de", "zh", "ja", "ar", "hi", "sw", "yo", "ha", "zu"]
LOW = {"sw", "yo", "ha", "zu"}
BLUE, VERMILLION = (0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00)


def item(item_id, language, correct):
    """One line of results.jsonl, as Results.writeJsonl writes an ItemResult."""
    return {"id": item_id, "language": language, "tier": "LOW" if language in LOW else "HIGH", "source": "MedQA",
            "task": "MCQ", "mode": "loglikelihood", "gold": "A", "prediction": "A" if correct else "B",
            "correct": correct, "correctNorm": None, "correctBytes": None, "optionLabels": ["A", "B"],
            "optionScores": [-1.0, -2.0], "margin": 1.0, "invalid": False, "f1": None, "rougeL": None,
            "prompt": "p", "output": None, "latencyMs": 1.0, "error": None}


def evaluation(folder, model, correct_of, n=20, languages=LANGUAGES):
    """An evaluation results folder: results.jsonl and the harness results file that names the model."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(item(f"MedQA/{lang}/{i}", lang, i < correct_of(lang))) for lang in languages for i in range(n)]
    (folder / "results.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "results_2026-01-01T00-00-00.000000.json").write_text(json.dumps({"model_name": model, "results": {}}))
    return folder


def training_run(folder, steps=40):
    """train-log.csv (its last line still being written), dev-log.csv, before/ and after/."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["step,epoch,tokens,seconds,loss,learning_rate,grad_norm"]
    rows += [f"{s},{s / steps:.3f},{4096 * s},{0.5 * s:.1f},{2.5 * 0.97 ** s + 0.5:.4f},{1e-4 * (1 - s / steps):.3e},1.0"
             for s in range(1, steps + 1)]
    (folder / "train-log.csv").write_text("\n".join(rows) + f"\n{steps + 1},1.02,4")
    dev = ["step,language,tier,n,accuracy"]
    for s in (0, steps // 2, steps):
        for i, lang in enumerate(["en", "fr", "sw", "yo"]):
            dev.append(f"{s},{lang},{'LOW' if lang in LOW else 'HIGH'},20,{(0.2 if lang in LOW else 0.5) + s / 200:.3f}")
    (folder / "dev-log.csv").write_text("\n".join(dev) + "\n")
    evaluation(folder / "before", "base", lambda lang: 4 if lang in LOW else 10)
    evaluation(folder / "after", "tuned", lambda lang: 12 if lang in LOW else 13)
    return folder


# Figure -> (selector, count): what plotly.js must have drawn, in the SVG files and in the page.
EXPECTED = {
    "accuracy-Model-A-B": {"g.trace.bars": 2, "g.errorbar": 12},
    "accuracy-model-b": {"g.trace.bars": 2, "g.errorbar": 12},
    "accuracy-sft-before": {"g.trace.bars": 2, "g.errorbar": 12},
    "accuracy-sft-after": {"g.trace.bars": 2, "g.errorbar": 12},
    "heatmap": {"g.hm": 1, "g.heatmap-label": 4 * 12},
    "disparity": {"g.trace.bars": 2},
    "training-sft": {"g.trace.scatter": 2 + 4},
    "finetuning-sft": {"g.trace.scatter": 3},
    "composition": {"g.trace.bars": 3},
    "lengths": {"g.trace.boxes": 2},
}


def svg_count(svg, selector):
    """Elements <g class="a b ..."> of a plotly.js SVG matching a 'g.a.b' selector."""
    wanted = selector.split(".")[1:]
    return sum(1 for classes in re.findall(r'<g class="([^"]*)"', svg) if all(c in classes.split() for c in wanted))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    evaluation(root / "eval-a", "Model A & B", lambda lang: 6 if lang in LOW else 14)
    evaluation(root / "eval-b", "model-b", lambda lang: 8 if lang in LOW else 12)
    training_run(root / "sft")
    return root


@pytest.fixture(scope="module")
def cli_figures(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    start = time.monotonic()
    done = subprocess.run([str(GLOBMED), "figures", str(runs), "--out", str(out), "--data", "sample",
                           "--size", "800x500", "--scale", "2"], capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    return out, done.stdout, seconds


@pytest.fixture(scope="module")
def figure_artifacts(artifacts):
    folder = artifacts / "figures"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def test_globmed_figures_writes_html_png_and_svg_of_the_standard_set(cli_figures):
    out, stdout, seconds = cli_figures
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{name}.{ext}" for name in EXPECTED for ext in ("html", "png", "svg")), written
    assert f"10 figures, 30 files -> {out}" in stdout, stdout
    print(f"globmed figures: 10 figures, 30 files in {seconds:.1f} s")


def test_png_exports_have_the_requested_size_and_are_not_blank(cli_figures, figure_artifacts):
    out, _, _ = cli_figures
    for name in EXPECTED:
        image = Image.open(out / f"{name}.png").convert("RGB")
        assert image.size == (1600, 1000), (name, image.size)  # --size 800x500 at --scale 2
        colours = image.getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50, f"{name}: {len(colours or [])} colours, blank?"
        assert max(colours)[1] == (255, 255, 255), f"{name}: the background is not white"
        shutil.copy(out / f"{name}.png", figure_artifacts / f"cli-{name}.png")
    accuracy = {c for _, c in Image.open(out / "accuracy-model-b.png").convert("RGB").getcolors(1 << 20)}
    assert BLUE in accuracy and VERMILLION in accuracy, "bars in the tier colours"


def test_svg_exports_hold_every_trace(cli_figures):
    out, _, _ = cli_figures
    for name, counts in EXPECTED.items():
        svg = (out / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and 'width="800"' in svg[:400] and 'height="500"' in svg[:400], svg[:400]
        for selector, count in counts.items():
            assert svg_count(svg, selector) == count, (name, selector, svg_count(svg, selector))
    assert "Model A &amp; B" in (out / "accuracy-Model-A-B.svg").read_text(), "& is escaped once, as XML needs"
    assert "&amp;amp;" not in (out / "accuracy-Model-A-B.svg").read_text()


# Records script errors, and once plotly.js drew, what is in the figure, as attributes of <html>.
FIGURE_PROBE = """<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  window.addEventListener('load', function () {
    setTimeout(function () {
      var plot = document.querySelector('.js-plotly-plot'), counts = {};
      SELECTORS.forEach(function (s) { counts[s] = plot ? plot.querySelectorAll(s).length : -1; });
      var title = plot && plot.querySelector('.gtitle');
      document.documentElement.setAttribute('data-figure', JSON.stringify({drawn: !!plot, counts: counts,
        title: title ? title.textContent : null, errors: errors}));
    }, 2500);
  });
})();
</script>
"""


def test_saved_html_figures_draw_in_chromium_offline(cli_figures, figure_artifacts, tmp_path):
    """Every saved HTML page, each with its own copy of plotly.js, opened in one Chromium run (one frame
    per page) with every host name unresolvable."""
    out, _, _ = cli_figures
    selectors = sorted({s for counts in EXPECTED.values() for s in counts})
    probe = FIGURE_PROBE.replace("SELECTORS", json.dumps(selectors))
    frames = []
    for name in EXPECTED:
        page = (out / f"{name}.html").read_text(encoding="utf-8")
        head = page.index("<head>") + len("<head>")
        (tmp_path / f"{name}.html").write_text(page[:head] + probe + page[head:], encoding="utf-8")
        frames.append(f'<h3>{name}</h3><iframe id="{name}" src="{name}.html" width="1100" height="620"></iframe>')
    reader = """<pre id="out"></pre><script>
window.addEventListener('load', function () { setTimeout(function () {
  var result = {};
  document.querySelectorAll('iframe').forEach(function (f) {
    result[f.id] = f.contentDocument.documentElement.getAttribute('data-figure'); });
  document.getElementById('out').textContent = JSON.stringify(result);
}, 4000); });
</script>"""
    wrapper = tmp_path / "all-figures.html"
    wrapper.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" + "".join(frames)
                       + reader + "</body></html>", encoding="utf-8")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", "--disable-dev-shm-usage", "--allow-file-access-from-files", OFFLINE,
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000"]
    done = subprocess.run(flags + ["--dump-dom", wrapper.as_uri()], capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="out">([^<]*)</pre>', done.stdout)
    assert found and found.group(1), f"no result from the page: {done.stderr[-2000:]}"
    result = json.loads(html_lib.unescape(found.group(1)))
    for name, counts in EXPECTED.items():
        assert result.get(name), f"{name}: the page did not report (not loaded?)"
        figure = json.loads(result[name])
        assert figure["errors"] == [], (name, figure["errors"])
        assert figure["drawn"], f"{name} was not drawn"
        for selector, count in counts.items():
            assert figure["counts"][selector] == count, (name, selector, figure["counts"])
    title = json.loads(result["accuracy-Model-A-B"])["title"]
    assert title.startswith("Accuracy by language — Model A & B"), title
    # A picture of one page as the browser shows it (the PNG exports of every figure are kept too).
    shot = figure_artifacts / "cli-accuracy-page.png"
    subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1100,620", "--hide-scrollbars",
                            (tmp_path / "accuracy-Model-A-B.html").as_uri()], capture_output=True, timeout=180)
    assert shot.exists() and shot.stat().st_size > 20_000


def test_globmed_figures_bad_input(runs, tmp_path):
    def figures(*args, env=None):
        return subprocess.run([str(GLOBMED), "figures", *map(str, args)], capture_output=True, text=True, timeout=120,
                              env={**os.environ, **(env or {})})

    # (Every bad input has its JUnit test; here, that the command says it and exits 2, or 1 without Chromium.)
    one = evaluation(tmp_path / "swahili-only", "m", lambda lang: 3, languages=["sw"])
    done = figures(one, "--out", tmp_path / "o")
    assert done.returncode == 2, done.stderr
    assert "needs at least two" in done.stderr and "only 'sw'" in done.stderr, done.stderr
    assert not (tmp_path / "o").exists(), "no figure, not even an empty one"
    done = figures(runs / "eval-b", "--out", tmp_path / "o", env={"GLOBMED_CHROMIUM": str(tmp_path / "no-chromium")})
    assert done.returncode == 1 and "needs Chromium" in done.stderr and "GLOBMED_CHROMIUM" in done.stderr, done.stderr
    done = figures(runs / "eval-b", "--out", tmp_path / "html", "--formats", "html",
                   env={"GLOBMED_CHROMIUM": str(tmp_path / "no-chromium")})
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "html").iterdir()) == ["accuracy-model-b.html", "disparity.html",
                                                                     "heatmap.html"]


# ---------------------------------------------------------------------------------------------
# notebooks/05-paper-figures.ipynb

NOTEBOOK_FIGURES = ["accuracy-tiny-llama", "accuracy-tiny-qwen3", "heatmap", "disparity", "fertility", "composition",
                    "lengths", "training-illustrative-sft", "finetuning-illustrative-sft"]


@pytest.fixture(scope="module")
def executed_paper_figures(artifacts, tmp_path_factory):
    """The notebook run once, on an empty runs folder: it evaluates the tiny models and simulates a run."""
    work = tmp_path_factory.mktemp("paper")
    saved = {k: os.environ.get(k) for k in ("GLOBMED_RUNS", "GLOBMED_FIGURES")}
    os.environ.update(GLOBMED_RUNS=str(work / "runs"), GLOBMED_FIGURES=str(work / "figures"))
    out = artifacts / "05-paper-figures.executed.ipynb"
    start = time.monotonic()
    try:
        nb = execute_notebook(PAPER_FIGURES, out, timeout=600)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    print(f"05-paper-figures executed in {time.monotonic() - start:.1f} s")
    return nb, out, work


def figure_outputs(cell):
    return [d for d in output_data(cell) if "Plotly.newPlot" in d.get("text/html", "")]


def test_paper_figures_runs_and_draws_every_figure(executed_paper_figures):
    nb, _, _ = executed_paper_figures
    assert_ran_cleanly(nb)
    counts = {cell_id: len(figure_outputs(cell_by_id(nb, cell_id))) for cell_id in
              ("accuracy", "heatmap", "disparity", "fertility", "composition", "lengths", "curves", "finetuning")}
    assert counts == {"accuracy": 2, "heatmap": 1, "disparity": 1, "fertility": 1, "composition": 1, "lengths": 1,
                      "curves": 1, "finetuning": 1}, counts
    assert "plotly.js v2" in figure_outputs(cell_by_id(nb, "accuracy"))[0]["text/html"], "the first figure brings plotly.js"
    assert "tiny-qwen3: Report: " in stream_text(cell_by_id(nb, "evaluate"))
    assert "simulated run" in stream_text(cell_by_id(nb, "training-run"))


def test_paper_figures_training_curves_were_replaced_in_place(executed_paper_figures):
    """The curves cell shows one output: the placeholder, replaced by figures as the logs grew, ends as
    the figure of the whole run."""
    nb, _, _ = executed_paper_figures
    cell = cell_by_id(nb, "curves")
    rich = [o for o in cell.outputs if o["output_type"] == "display_data"]
    assert len(rich) == 1, [o["output_type"] for o in cell.outputs]
    assert "Waiting for the first optimizer step" not in json.dumps(rich[0]["data"]), "the placeholder was replaced"
    assert rich[0]["data"]["text/plain"].startswith("Figure: Training run illustrative-sft")
    assert "step 60, epoch 2," in rich[0]["data"]["text/html"]
    assert "60 steps" in stream_text(cell)


def test_paper_figures_saves_html_png_and_svg(executed_paper_figures, figure_artifacts):
    _, _, work = executed_paper_figures
    folder = work / "figures"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{n}.{ext}" for n in NOTEBOOK_FIGURES for ext in ("html", "png", "svg"))
    for name in NOTEBOOK_FIGURES:
        image = Image.open(folder / f"{name}.png")
        height = 760 if name.startswith("training") else 480
        assert image.size == (2000, 2 * height), (name, image.size)  # the figure's size at scale 2
        assert len(image.convert("RGB").getcolors(1 << 20)) > 50, name
        shutil.copy(folder / f"{name}.png", figure_artifacts / f"notebook-{name}.png")
    assert "plotly.js v2" in (folder / "heatmap.html").read_text(encoding="utf-8")[:3_000_000]


def test_paper_figures_export_draws_in_chromium(executed_paper_figures, figure_artifacts, tmp_path):
    _, executed, _ = executed_paper_figures
    page = export_html(executed, figure_artifacts, "05-paper-figures")
    plots, containers, errors = load_and_probe(page, tmp_path / "profile")
    assert plot_errors(errors) == [], errors
    assert len(containers) == 9 and all(c["drawn"] for c in containers), containers
    assert [p["bars"] for p in plots[:2]] == [2, 2], plots
    assert all(p["svgs"] >= 1 for p in plots), plots
    shot = figure_artifacts / "05-paper-figures.png"
    shot.unlink(missing_ok=True)
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-dev-shm-usage", OFFLINE, f"--user-data-dir={tmp_path / 'shot'}",
                    "--virtual-time-budget=15000", f"--screenshot={shot}", "--window-size=1200,9000",
                    "--hide-scrollbars", page.as_uri()], capture_output=True, timeout=180)
    assert shot.exists() and shot.stat().st_size > 50_000
