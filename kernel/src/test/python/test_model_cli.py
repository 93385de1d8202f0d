"""The model subcommands of ``globmed`` as a user runs them: model info."""
import json
import subprocess

from globmed_testing import GLOBMED, globmed, REPO

CONFIGS = REPO / "lib" / "src" / "main" / "resources" / "org" / "globmed" / "model" / "configs"



def test_model_info_of_a_folder_prints_architecture_counts_and_memory(tmp_path):
    folder = tmp_path / "Llama-3.1-8B"
    folder.mkdir()
    (folder / "config.json").write_text((CONFIGS / "Llama-3.1-8B.json").read_text())
    done = globmed("model", "info", folder)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "llama: 32 layers, hidden 4096, MLP 14336, 32 query / 8 key-value heads of 128" in out
    assert "llama3 scaling ×8" in out
    assert "parameters: 8,030,261,248 (8.03B), non-embedding 6,979,588,096 (6.98B)" in out
    assert "dtype bfloat16" in out
    # 8,030,261,248 × 2 bytes = 14.96 GiB; × 16 bytes (weights, gradients, AdamW) = 119.7 GiB
    assert "weights: 29.9 GiB in float32, 15.0 GiB in bf16/fp16" in out
    assert "full 119.7 GiB" in out
    # LoRA r=16 on all seven projections of Llama-3.1-8B: 41,943,040 adapter parameters
    assert "(41,943,040 adapter parameters)" in out


def test_model_info_of_a_config_file_and_of_qwen3():
    done = globmed("model", "info", CONFIGS / "Qwen3-1.7B.json")
    assert done.returncode == 0, done.stderr
    assert "qwen3: 28 layers, hidden 2048" in done.stdout
    assert "tied head" in done.stdout and "q/k norm yes" in done.stdout
    assert "parameters: 1,720,574,976 (1.72B), non-embedding 1,409,410,048 (1.41B)" in done.stdout


def test_model_info_errors_name_the_problem(tmp_path):
    missing = globmed("model", "info", tmp_path / "nope")
    assert missing.returncode == 2
    assert "nope" in missing.stderr
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mamba", "vocab_size": 10}))
    unsupported = globmed("model", "info", tmp_path)
    assert unsupported.returncode == 2
    assert "unsupported model_type mamba; supported: llama, qwen2, qwen3" in unsupported.stderr
    usage = globmed("model", "frobnicate")
    assert usage.returncode == 2
    assert "usage: globmed model info" in usage.stderr
