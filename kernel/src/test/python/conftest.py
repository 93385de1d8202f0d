"""pytest fixtures shared by the kernel's end-to-end tests (helpers live in globmed_testing.py)."""
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from globmed_testing import (ARTIFACTS, EVALUATE, EXPLORE, FINE_TUNE, MODELS, TOUR, Kernel, execute_notebook, globmed,  # noqa: E402
                             install_kernelspec)


@pytest.fixture(scope="session", autouse=True)
def kernelspec():
    data_dir = install_kernelspec()
    yield data_dir
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def shared_kernel():
    k = Kernel()
    yield k
    k.close()


@pytest.fixture
def kernel(shared_kernel):
    """One kernel shared by the tests of a module that need no isolation. A test that leaves it
    stuck costs itself only: the next test gets a restarted kernel."""
    if not shared_kernel.responsive():
        shared_kernel.restart()
    shared_kernel.drain()
    yield shared_kernel


@pytest.fixture
def fresh_kernel():
    """A kernel of its own for one test."""
    kernels = []

    def start(extra_env=None):
        k = Kernel(extra_env=extra_env)
        kernels.append(k)
        return k

    yield start
    for k in kernels:
        k.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def executed_tour(artifacts):
    """The tour notebook executed once per run (kept in the artifacts folder)."""
    out = artifacts / "00-kernel-tour.executed.ipynb"
    nb = execute_notebook(TOUR, out)
    return nb, out


@pytest.fixture(scope="session")
def executed_explore(artifacts):
    """notebooks/01-explore-globmed.ipynb executed once per run (kept in the artifacts folder)."""
    out = artifacts / "01-explore-globmed.executed.ipynb"
    return execute_notebook(EXPLORE, out, timeout=600)


@pytest.fixture(scope="session")
def executed_models(artifacts):
    """notebooks/02-models.ipynb executed once per run (kept in the artifacts folder)."""
    out = artifacts / "02-models.executed.ipynb"
    return execute_notebook(MODELS, out, timeout=600)


@pytest.fixture(scope="session")
def executed_evaluate(artifacts):
    """notebooks/03-evaluate.ipynb executed once per run (kept in the artifacts folder)."""
    out = artifacts / "03-evaluate.executed.ipynb"
    return execute_notebook(EVALUATE, out, timeout=900)


@pytest.fixture(scope="session")
def executed_fine_tune(artifacts, tmp_path_factory):
    """notebooks/04-fine-tune.ipynb executed once, its runs in a fresh folder (GLOBMED_RUNS)."""
    runs = tmp_path_factory.mktemp("fine-tune-runs")
    saved = os.environ.get("GLOBMED_RUNS")
    os.environ["GLOBMED_RUNS"] = str(runs)
    try:
        nb = execute_notebook(FINE_TUNE, artifacts / "04-fine-tune.executed.ipynb", timeout=900)
    finally:
        if saved is None:
            os.environ.pop("GLOBMED_RUNS", None)
        else:
            os.environ["GLOBMED_RUNS"] = saved
    return nb, runs


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A tiny random Qwen3 (byte tokenizer) saved in the Hugging Face layout by a headless script."""
    folder = tmp_path_factory.mktemp("tiny-qwen3")
    script = folder.parent / "save-tiny.jsh"
    script.write_text(f'try (var lm = Models.tiny("qwen3")) {{ lm.save(Path.of("{folder}")); }}\n')
    done = globmed("run", script)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (folder / "model.safetensors").exists()
    return folder
