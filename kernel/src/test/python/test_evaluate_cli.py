"""GlobMed-Bench from the command line, as a user runs it: globmed evaluate (in process, killed and
resumed, against globmed serve over HTTP, from imported predictions)."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from globmed_testing import GLOBMED, globmed

SELECTION = ["--languages", "sw,en", "--sources", "MedQA"]  # 2 × 100 test items



def results(folder):
    """results.jsonl without latencies (they differ between runs)."""
    rows = []
    for line in (folder / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        row.pop("latencyMs")
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def uninterrupted(tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    done = globmed("evaluate", "--model", tiny_model, "--out", out, *SELECTION)
    assert done.returncode == 0, done.stderr
    return out, done


def test_evaluate_prints_the_report_and_writes_every_file(uninterrupted):
    out, done = uninterrupted
    assert len(results(out)) == 200
    # the per-language report: one line per language with n = 100
    for language in ("sw", "en"):
        assert re.search(rf"\b{language}\b.*\b100\b", done.stdout), done.stdout
    assert "200 items (0 from the cache)" in done.stdout
    assert (out / "report.txt").read_text().strip() == done.stdout.split("\n200 items")[0].strip()
    [harness] = list(out.glob("results_*.json"))
    summary = json.loads(harness.read_text())
    assert {"globmed_medqa_sw", "globmed_medqa_en"} <= set(summary["results"])
    assert summary["n-samples"]["globmed_medqa_sw"]["effective"] == 100
    assert len(list(out.glob("samples_globmed_medqa_*.jsonl"))) == 2
    assert "items/s" in done.stderr  # progress on the console


def test_a_killed_run_resumes_and_ends_identical(tiny_model, uninterrupted, tmp_path):
    out = tmp_path / "killed"
    process = subprocess.Popen([str(GLOBMED), "evaluate", "--model", str(tiny_model), "--out", str(out), *SELECTION],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cache = out / "items.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and (not cache.exists() or len(cache.read_text().splitlines()) < 32):
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    cached = len([line for line in cache.read_text().splitlines() if line.strip()])
    assert 32 <= cached < 200
    assert not (out / "results.jsonl").exists()
    done = globmed("evaluate", "--model", tiny_model, "--out", out, *SELECTION)
    assert done.returncode == 0, done.stderr
    reused = int(re.search(r"200 items \((\d+) from the cache\)", done.stdout).group(1))
    assert reused >= 32
    assert results(out) == results(uninterrupted[0])


def test_an_http_endpoint_gives_the_in_process_answers(tiny_model, uninterrupted, tmp_path):
    server = subprocess.Popen([str(GLOBMED), "serve", str(tiny_model), "--port", "0", "--name", "tiny"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        deadline = time.time() + 120
        while url is None and time.time() < deadline:
            line = server.stdout.readline()
            assert line, "globmed serve ended without serving"
            found = re.search(r"at (http://127\.0\.0\.1:\d+/v1)", line)
            url = found and found.group(1)
        out = tmp_path / "http"
        done = globmed("evaluate", "--model", url, "--name", "tiny", "--out", out, *SELECTION)
        assert done.returncode == 0, done.stderr
        local = {r["id"]: r for r in results(uninterrupted[0])}
        remote = results(out)
        assert len(remote) == 200
        for r in remote:
            assert r["error"] is None, r["error"]
            assert r["prediction"] == local[r["id"]]["prediction"], r["id"]
            for a, b in zip(r["optionScores"], local[r["id"]]["optionScores"]):
                assert abs(a - b) < 1e-3, r["id"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_imported_predictions_are_scored_and_missing_ones_counted(uninterrupted, tmp_path):
    rows = results(uninterrupted[0])
    lines = [json.dumps({"id": r["id"], "prediction": r["gold"]}) for r in rows[:150]]
    lines.append(json.dumps({"id": "MedQA/xx/unknown", "prediction": "A"}))
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("\n".join(lines) + "\n")
    out = tmp_path / "imported"
    done = globmed("evaluate", "--model", predictions, "--out", out, *SELECTION)
    assert done.returncode == 0, done.stderr
    assert "1 predictions name items outside the selection" in done.stdout
    imported = results(out)
    assert sum(r["correct"] for r in imported) == 150
    assert sum(r["error"] is not None for r in imported) == 50


def test_bad_arguments_and_empty_selections_are_clear(tiny_model, tmp_path):
    usage = globmed("evaluate", "--model", tiny_model)
    assert usage.returncode == 2 and "usage: globmed evaluate" in usage.stderr
    empty = globmed("evaluate", "--model", tiny_model, "--out", tmp_path / "x", "--split", "dev", *SELECTION)
    assert empty.returncode == 2
    assert "no items in split 'dev'" in empty.stderr
