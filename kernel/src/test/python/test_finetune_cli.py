"""Fine-tuning from the command line, as a cluster job runs it: globmed finetune, killed with
SIGKILL and resumed, refusing bad options."""
import json
import os
import signal
import subprocess
import time

import pytest

from globmed_testing import GLOBMED, globmed

# Full fine-tuning of the tiny model on 2 × 227 MedQA train items, 12 steps of 4 sequences cut to
# 128 tokens, checkpoints every 3 steps; no dev set (its evaluation is tested in JUnit).
RUN = ["--languages", "en,sw", "--sources", "MedQA", "--batch", "4", "--max-length", "128", "--max-steps", "12",
       "--checkpoint-every", "3", "--lr", "1e-3", "--dev-split", "none"]


def losses(folder):
    lines = (folder / "train-log.csv").read_text().splitlines()
    assert lines[0] == "step,epoch,tokens,seconds,loss,learning_rate,grad_norm"
    return [(int(line.split(",")[0]), float(line.split(",")[4])) for line in lines[1:]]


@pytest.fixture(scope="module")
def uninterrupted(tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    done = globmed("finetune", "--model", tiny_model, "--out", out, *RUN)
    assert done.returncode == 0, done.stdout + done.stderr
    return out, done


def test_finetune_trains_reports_and_writes_the_run_folder(uninterrupted):
    out, done = uninterrupted
    assert "training on 454 train items (en sw)" in done.stdout
    assert "full fine-tuning:" in done.stdout and "12/12 steps" in done.stdout, done.stdout
    assert [s for s, _ in losses(out)] == list(range(1, 13))
    report = json.loads((out / "report.json").read_text())
    assert report["steps"] == 12 and report["resumed_from"] == 0
    assert abs(sum(report["effective_mix"].values()) - 1) < 1e-9
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-00000009", "step-00000012"]
    assert (out / "model" / "model.safetensors").exists() and (out / "model" / "config.json").exists()
    assert "step 12/12" in done.stderr  # progress lines on the console


def test_a_killed_run_resumes_at_its_last_checkpoint_with_the_same_losses(tiny_model, uninterrupted, tmp_path):
    expected, _ = uninterrupted
    out = tmp_path / "killed"
    process = subprocess.Popen([str(GLOBMED), "finetune", "--model", str(tiny_model), "--out", str(out), *RUN],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = out / "train-log.csv"
    deadline = time.monotonic() + 300
    # Kill once step 7 is logged: the checkpoint of step 6 is on disk, steps 7+ are not.
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= 8:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = len(log.read_text().splitlines()) - 1
    checkpoints = sorted(p.name for p in (out / "checkpoints").iterdir() if p.name.startswith("step-"))
    last = int(checkpoints[-1].split("-")[1])
    assert last < killed_at <= 12

    again = globmed("finetune", "--model", tiny_model, "--out", out, *RUN)
    assert again.returncode == 1 and "resume(true) continues it" in again.stderr, again.stderr

    resumed = globmed("finetune", "--model", tiny_model, "--out", out, *RUN, "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"(resumed from step {last})" in resumed.stdout, resumed.stdout
    assert f"step {last + 1}/12" in resumed.stderr.splitlines()[0] or f"step {last + 1}/12" in resumed.stderr
    want = losses(expected)
    got = losses(out)
    assert [s for s, _ in got] == list(range(1, 13)), "one row per step, the redone steps not doubled"
    for (step, a), (_, b) in zip(want, got):
        assert abs(a - b) <= 1e-5, f"step {step}: {a} uninterrupted, {b} after the kill"


@pytest.mark.parametrize("options, message", [
    (["--lora", "0"], "lora rank must be at least 1, not 0"),
    (["--lr", "-1e-4"], "learningRate must be a positive number, not -1.0E-4"),
    (["--lora", "4", "--lora-targets", "q_proj,qkv_proj"], "LoRA target module 'qkv_proj' does not exist"),
    (["--lora", "4", "--max-steps"], "missing value after --max-steps"),
    (["--languages", "xx"], "unknown language code 'xx'"),
    (["--languages", "am"], "no language 'am' in the data"),
    (["--train-split", "validation"], "the training set is empty"),
    (["--epochs", "two"], "--epochs expects a whole number, not 'two'"),
])
def test_bad_options_are_refused_before_any_work(tiny_model, tmp_path, options, message):
    out = tmp_path / "never"
    done = globmed("finetune", "--model", tiny_model, "--out", out, "--dev-split", "none", *options)
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert message in done.stderr, done.stderr
    assert not out.exists()


@pytest.mark.parametrize("choice, mapped, conf", [
    (None, True, "dirty_decay_ms:-1,muzzy_decay_ms:-1"),
    ("glibc", False, "null"),
])
def test_the_launcher_runs_the_jvm_on_jemalloc_unless_told_not_to(tmp_path, choice, mapped, conf):
    # environment/setup installs libjemalloc2; the launcher preloads it (why: environment/globmed).
    script = tmp_path / "allocator.jsh"
    script.write_text('String maps = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/maps"));\n'
                      'System.out.println("jemalloc=" + maps.contains("libjemalloc") + " conf=" + System.getenv("MALLOC_CONF"));\n')
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "MALLOC_CONF", "GLOBMED_MALLOC")}
    if choice:
        env["GLOBMED_MALLOC"] = choice
    done = subprocess.run([str(GLOBMED), "run", str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"jemalloc={str(mapped).lower()} conf={conf}" in done.stdout, done.stdout
