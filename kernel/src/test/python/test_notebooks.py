"""The notebooks of notebooks/ run top to bottom on the java kernel (nbclient) and headless
(``globmed run``), and their outputs are the ones the text promises."""
import base64
import json
import struct
import re
import subprocess
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from globmed_testing import (ARTIFACTS, EVALUATE, EXPLORE, FINE_TUNE, GLOBMED, MODELS, NOTEBOOKS, PAPER_FIGURES, TOUR, cell_by_id,
                             execute_notebook, output_data, stream_text)

ALL_NOTEBOOKS = sorted(NOTEBOOKS.glob("*.ipynb"))


def png_size(data):
    png = base64.b64decode(data)
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def output_kinds(cell):
    """What a cell shows, as (output_type, name or MIME types): comparable across executors."""
    kinds = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            kinds.append(("stream", o["name"]))
        elif o["output_type"] == "error":
            kinds.append(("error", o["ename"]))
        else:
            kinds.append((o["output_type"], tuple(sorted(o["data"]))))
    return kinds


# ---------------------------------------------------------------------------------------------
# every notebook

def test_there_are_notebooks():
    assert TOUR in ALL_NOTEBOOKS


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=[p.name for p in ALL_NOTEBOOKS])
def test_notebook_is_valid_and_uses_the_java_kernel(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "java"
    assert nb.metadata["language_info"]["name"] == "java"


# Notebooks with their own tests (below, or test_figures.py for 05) are executed once, by their fixture.
OTHER_NOTEBOOKS = [p for p in ALL_NOTEBOOKS if p not in (TOUR, EXPLORE, MODELS, EVALUATE, FINE_TUNE, PAPER_FIGURES)]


@pytest.mark.parametrize("path", OTHER_NOTEBOOKS, ids=[p.name for p in OTHER_NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, artifacts):
    out = artifacts / path.name.replace(".ipynb", ".executed.ipynb")
    nb = execute_notebook(path, out, timeout=600)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None
            assert not [o for o in cell.outputs if o["output_type"] == "error"], cell.source


# ---------------------------------------------------------------------------------------------
# the tour

def test_tour_is_stored_clean():
    nb = nbformat.read(str(TOUR), as_version=4)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata["kernelspec"] == {"name": "java", "display_name": "Java (GlobMed)", "language": "java"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.id} is stored with outputs"


def test_tour_values_and_printing(executed_tour):
    nb, _ = executed_tour
    values = cell_by_id(nb, "values")
    assert stream_text(values) == "The answer is 42\n"
    assert output_data(values, "execute_result") == [{"text/plain": "42"}]
    streams = cell_by_id(nb, "streams")
    assert output_data(streams, "execute_result")[0]["text/plain"] == "EN, FR, SW, BN"


def test_tour_execution_counts_follow_the_cells(executed_tour):
    nb, _ = executed_tour
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o["output_type"] == "error"]


def test_tour_table(executed_tour):
    nb, _ = executed_tour
    [data] = output_data(cell_by_id(nb, "table"), "execute_result")
    html = data["text/html"]
    assert "Accuracy by language" in html
    assert "4 rows" in html and "4 columns" in html
    for header in ("language", "tier", "baseline", "tuned"):
        assert f"<th>{header}" in html
    assert html.count("<tr>") == 1 + 4
    assert "0.63" in html and "low" in html
    assert "0.63" in data["text/plain"]


def test_tour_plotly_figure(executed_tour):
    nb, _ = executed_tour
    [data] = output_data(cell_by_id(nb, "plot"), "execute_result")
    html = data["text/html"]
    assert "plotly.js v2" in html, "plotly.js is not in the first figure's output"
    assert "Plotly.newPlot" in html
    assert html.count("type: 'bar'") == 2 or html.count('"type":"bar"') == 2, "expected two bar traces"
    assert "baseline" in html and "tuned" in html
    assert "Baseline vs. fine-tuned accuracy" in html
    assert data["text/plain"]


def test_tour_image(executed_tour):
    nb, _ = executed_tour
    [data] = output_data(cell_by_id(nb, "image"), "execute_result")
    assert png_size(data["image/png"]) == (320, 160)


def test_tour_display_and_update(executed_tour):
    nb, _ = executed_tour
    cell = cell_by_id(nb, "display")
    assert [o["output_type"] for o in cell.outputs] == ["display_data"], cell.outputs
    assert cell.outputs[0]["data"]["text/markdown"] == "**Done:** 3 of 3 languages"


def test_tour_magics(executed_tour):
    nb, _ = executed_tour
    timed = cell_by_id(nb, "time")
    assert "Wall time" in stream_text(timed)
    assert output_data(timed, "execute_result")[0]["text/plain"] == "500000500000"
    html = cell_by_id(nb, "html")
    [data] = output_data(html, "display_data")
    assert 'class="globmed-tour"' in data["text/html"]


# ---------------------------------------------------------------------------------------------
# globmed run

def globmed_run(*args, timeout=300):
    return subprocess.run([str(GLOBMED), "run", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_globmed_run_tour_headless(executed_tour, artifacts):
    nb_client, _ = executed_tour
    out = artifacts / "00-kernel-tour.globmed-run.ipynb"
    out.unlink(missing_ok=True)
    done = globmed_run(TOUR, "--out", out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "The answer is 42" in done.stdout
    assert "Wall time" in done.stdout
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        expected = output_kinds(cell_by_id(nb_client, cell.id))
        assert output_kinds(cell) == expected, f"cell {cell.id}: {output_kinds(cell)} != {expected}"
    assert png_size(output_data(cell_by_id(nb, "image"), "execute_result")[0]["image/png"]) == (320, 160)
    assert cell_by_id(nb, "display").outputs[0]["data"]["text/markdown"] == "**Done:** 3 of 3 languages"
    assert "Plotly.newPlot" in output_data(cell_by_id(nb, "plot"), "execute_result")[0]["text/html"]
    # The source notebook is left as it was.
    assert all(c.get("outputs", []) == [] for c in nbformat.read(str(TOUR), as_version=4).cells)


def test_globmed_run_writes_an_ordinary_file(tmp_path):
    """--out writes the notebook with the permissions any new file gets (umask), not 0600."""
    import os
    import stat
    script = tmp_path / "tiny.jsh"
    script.write_text("1 + 1\n")
    out = tmp_path / "tiny.ipynb"
    done = globmed_run(script, "--out", out)
    assert done.returncode == 0, done.stderr
    umask = os.umask(0)
    os.umask(umask)
    mode = stat.S_IMODE(out.stat().st_mode)
    assert mode == 0o666 & ~umask, f"--out file has mode {oct(mode)}, expected {oct(0o666 & ~umask)} (umask)"


def test_globmed_run_stops_at_the_failing_cell(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("# A notebook that fails"),
        new_code_cell('System.out.println("cell one ran");'),
        new_code_cell("int parsed = 2;"),
        new_code_cell('int broken = Integer.parseInt("not a number");'),
        new_code_cell('System.out.println("cell four ran");'),
    ], metadata={"kernelspec": {"name": "java", "display_name": "Java (GlobMed)", "language": "java"}})
    path = tmp_path / "failing.ipynb"
    nbformat.write(nb, str(path))
    out = tmp_path / "failing.out.ipynb"
    done = globmed_run(path, "--out", out)
    assert done.returncode != 0
    assert "cell one ran" in done.stdout
    assert "cell four ran" not in done.stdout
    assert "cell 3" in done.stderr, done.stderr
    assert "NumberFormatException" in done.stderr
    written = nbformat.read(str(out), as_version=4)
    errors = [o for c in written.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o["output_type"] == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "java.lang.NumberFormatException"


def test_globmed_run_script(tmp_path):
    script = tmp_path / "ok.jsh"
    script.write_text('var words = List.of("global", "medicine");\nSystem.out.println(String.join(" ", words));\n')
    done = globmed_run(script)
    assert done.returncode == 0, done.stderr
    assert "global medicine" in done.stdout


def test_globmed_run_script_with_a_compile_error(tmp_path):
    script = tmp_path / "broken.jsh"
    script.write_text(textwrap.dedent("""\
        int fine = 1;
        int notFine = "text";
        System.out.println("unreachable");
        """))
    done = globmed_run(script)
    assert done.returncode != 0
    assert "CompilationError" in done.stderr
    assert "line 2" in done.stderr
    assert "unreachable" not in done.stdout


def test_globmed_run_missing_file(tmp_path):
    done = globmed_run(tmp_path / "absent.ipynb")
    assert done.returncode != 0
    assert "absent.ipynb" in done.stderr


def test_executed_tour_is_saved(executed_tour):
    _, path = executed_tour
    assert path.parent == ARTIFACTS and path.exists()
    assert json.loads(path.read_text())["cells"]


# ---------------------------------------------------------------------------------------------
# 01-explore-globmed

def test_explore_runs_without_errors(executed_explore):
    assert_ran_cleanly(executed_explore)


def test_explore_shows_the_sample_summary(executed_explore):
    [data] = output_data(cell_by_id(executed_explore, "load"), "execute_result")
    assert data["text/plain"].startswith("GlobMed data: 6,084 items, 12 languages, 3 sources")
    html = data["text/html"]
    assert html.count("<tr>") == 1 + 12, "one header and one row per language"
    assert "Kiswahili" in html and "Yorùbá" in html and "LOW" in html
    [summary] = output_data(cell_by_id(executed_explore, "summary"), "execute_result")
    assert "12 rows × 11 columns" in summary["text/html"]


def test_explore_parallel_item_in_every_script(executed_explore):
    [data] = output_data(cell_by_id(executed_explore, "parallel"), "execute_result")
    html = data["text/html"]
    assert "12 rows" in html
    for text in ("Scurvy", "Skorbut", "Kiseyeye", "坏血病", "ビタミンC", "فيتامين", "विटामिन"):
        assert text in html, text
    assert 'dir="auto"' in html, "right-to-left cells read in their own direction"


def test_explore_fertility_per_language(executed_explore):
    [data] = output_data(cell_by_id(executed_explore, "fertility"), "execute_result")
    assert "12 rows × 9 columns" in data["text/html"]
    [by_tier] = output_data(cell_by_id(executed_explore, "fertility-tier"), "execute_result")
    rows = [line.split("|") for line in by_tier["text/plain"].splitlines() if "HIGH" in line or "LOW" in line]
    mean = {cells[0].strip(): float(cells[1]) for cells in rows}
    assert mean["LOW"] > mean["HIGH"], mean


def test_explore_bad_input(executed_explore):
    strict = stream_text(cell_by_id(executed_explore, "broken"))
    assert strict.startswith("GlobMed_MedQA/sw/test.json:2 record 1 field 'answer_idx': answer 'E' points outside")
    [report] = output_data(cell_by_id(executed_explore, "lenient"), "execute_result")
    assert "4 records in 1 files: 1 loaded, 3 skipped" in report["text/html"]
    assert report["text/html"].count("<tr>") == 1 + 3
    assert "expected text, found the number 42" in report["text/html"]
    [counts] = output_data(cell_by_id(executed_explore, "counts"), "execute_result")
    assert counts["text/plain"] == "4 seen = 1 loaded + 3 skipped"


def assert_ran_cleanly(nb):
    """Every code cell of an executed notebook ran, and none left an error."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None, cell.source
            assert not [o for o in cell.outputs if o["output_type"] == "error"], cell.source


# ---------------------------------------------------------------------------------------------
# 02-models

def test_models_runs_without_errors(executed_models):
    assert_ran_cleanly(executed_models)


def test_models_counts_the_published_parameters(executed_models):
    [data] = output_data(cell_by_id(executed_models, "published"), "execute_result")
    html = data["text/html"]
    for name, count in [("Qwen3-1.7B", "1720574976"), ("Qwen3-4B", "4022468096"), ("Qwen3-8B", "8190735360"),
                        ("Llama-3.1-8B", "8030261248"), ("Qwen2.5-0.5B", "494032768")]:
        assert name in html and count in html, name


def test_models_loads_the_saved_tiny_checkpoint(executed_models):
    text = stream_text(cell_by_id(executed_models, "tiny"))
    assert "LanguageModel(qwen3, 820,992 parameters, float32 on cpu())" in text
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        assert name in text


def test_models_scores_every_option_and_generates(executed_models):
    [data] = output_data(cell_by_id(executed_models, "score"), "execute_result")
    html = data["text/html"]
    assert html.count("<tr>") >= 5  # header + four options
    assert "Vitamini C" in html
    [done] = output_data(cell_by_id(executed_models, "generate"), "execute_result")
    assert "prompt tokens -> 24 new tokens, finished by LENGTH" in done["text/plain"]


def test_models_tokens_per_language_and_chat_template(executed_models):
    [data] = output_data(cell_by_id(executed_models, "tokens"), "execute_result")
    html = data["text/html"]
    for language in ("en", "zh", "ar", "hi", "sw", "yo", "ha", "zu"):
        assert f">{language}<" in html, language
    chat = stream_text(cell_by_id(executed_models, "chat"))
    assert chat.startswith("<|im_start|>system\nYou are a careful medical assistant.<|im_end|>")
    assert chat.rstrip().endswith("<|im_start|>assistant")


# ---------------------------------------------------------------------------------------------
# 03-evaluate

def test_evaluate_runs_without_errors(executed_evaluate):
    assert_ran_cleanly(executed_evaluate)


def test_evaluate_reports_every_language_with_intervals(executed_evaluate):
    [data] = output_data(cell_by_id(executed_evaluate, "report"), "execute_result")
    html = data["text/html"]
    for language in ("en", "zh", "ar", "hi", "sw", "yo", "ha", "zu"):
        assert f">{language}<" in html, language
    for column in ("ci_low", "ci_high", "stderr", "tier"):
        assert column in html, column
    assert html.count(">160<") >= 12  # n = 160 test items in each of the 12 languages
    [summary] = output_data(cell_by_id(executed_evaluate, "summary"), "execute_result")
    for measure in ("micro_accuracy", "macro_accuracy", "best_worst_gap", "high_low_gap", "low_high_ratio", "worst_accuracy", ">cv<"):
        assert measure in summary["text/html"], measure


def test_evaluate_progress_prompt_comparison_and_harness_files(executed_evaluate):
    progress = [o for o in cell_by_id(executed_evaluate, "evaluate").outputs if o["output_type"] in ("display_data", "update_display_data")]
    assert progress and "1,920/1,920 items" in "".join(o["data"]["text/plain"] for o in progress)
    prompt = stream_text(cell_by_id(executed_evaluate, "prompt"))
    assert prompt.rstrip().endswith("Ìdáhùn:")
    [pairs] = output_data(cell_by_id(executed_evaluate, "compare"), "execute_result")
    assert "p_holm" in pairs["text/html"] and "rel_gain" in pairs["text/html"]
    [headline] = output_data(cell_by_id(executed_evaluate, "headline"), "execute_result")
    assert "average_relative_improvement" in headline["text/html"]
    assert "low_resource_factor" in headline["text/html"]
    harness = stream_text(cell_by_id(executed_evaluate, "harness"))
    assert "36 samples files" in harness  # 3 sources × 12 languages


# ---------------------------------------------------------------------------------------------
# 04-fine-tune

def test_fine_tune_runs_without_errors(executed_fine_tune):
    nb, _ = executed_fine_tune
    assert_ran_cleanly(nb)


def test_fine_tune_trains_lora_and_full_with_a_live_display(executed_fine_tune):
    nb, runs = executed_fine_tune
    for cell_id, mode, trained in (("lora", "LoRA r=8", "77,824"), ("full", "full", "820,992")):
        cell = cell_by_id(nb, cell_id)
        [report] = output_data(cell, "execute_result")
        text = report["text/plain"]
        assert text.startswith(f"{mode} fine-tuning: {trained} trained parameters, 40/40 steps"), text
        assert "dev accuracy before → after: ar " in text and " zu " in text, text
        live = [o for o in cell.outputs if o["output_type"] in ("display_data", "update_display_data")]
        assert live, "the live display"
        html = "".join(o["data"].get("text/html", "") for o in live)
        assert "<progress" in html and "globmed-loss" in html and "dev accuracy (step 20)" in html
        assert "step 40/40" in live[-1]["data"]["text/plain"]
        log = (runs / f"04-{cell_id}" / "train-log.csv").read_text().splitlines()
        assert len(log) == 41 and log[0] == "step,epoch,tokens,seconds,loss,learning_rate,grad_norm"
        dev = (runs / f"04-{cell_id}" / "dev-log.csv").read_text().splitlines()
        assert {row.split(",")[0] for row in dev[1:]} == {"0", "20", "40"}
        assert len(dev) == 1 + 3 * 12
    files = stream_text(cell_by_id(nb, "files"))
    for name in ("adapter", "after", "before", "best", "checkpoints", "dev-log.csv", "report.json", "train-log.csv"):
        assert name in files.split(), name
    assert (runs / "04-lora" / "adapter" / "adapter_config.json").exists()
    assert (runs / "04-lora-merged" / "model.safetensors").exists()


def test_fine_tune_merged_model_scores_as_the_adapters_and_headlines_are_computed(executed_fine_tune):
    nb, _ = executed_fine_tune
    merged = stream_text(cell_by_id(nb, "merge"))
    adapters, merged_accuracy = re.search(r"with adapters ([\d.]+), merged ([\d.]+)", merged).groups()
    assert adapters == merged_accuracy
    [pairs] = output_data(cell_by_id(nb, "lora-compare"), "execute_result")
    assert pairs["text/html"].count("<tr>") == 13 and "p_holm" in pairs["text/html"]
    headline = stream_text(cell_by_id(nb, "headline"))
    assert re.search(r"^LoRA  macro [\d.]+ -> [\d.]+; average relative improvement [+-][\d.]+%; "
                     r"low-resource improvement factor (-?[\d.]+|NaN)$", headline, re.M), headline
    assert headline.count("\n") == 2
    for cell_id in ("gain-figure", "curves-figure"):
        [figure] = output_data(cell_by_id(nb, cell_id), "execute_result")
        assert "Plotly.newPlot" in figure["text/html"], cell_id
