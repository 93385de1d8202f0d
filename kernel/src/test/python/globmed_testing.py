"""Helpers of the kernel's end-to-end tests: paths, a kernel process with a blocking client,
notebook execution.

Every test talks to real kernel processes through Jupyter's own client library. The kernelspec
the tests use is installed by ``environment/globmed kernel install`` into a private directory put
first on JUPYTER_PATH, so the tests run this checkout's kernel whatever is installed for the user.
"""
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

import pytest
from jupyter_client import KernelManager

HERE = Path(__file__).resolve().parent

REPO = HERE.parents[3]
ARTIFACTS = REPO / "kernel" / "target" / "test-artifacts"
GLOBMED = REPO / "environment" / "globmed"
KERNEL_JAR = REPO / "kernel" / "target" / "globmed-kernel.jar"
NOTEBOOKS = REPO / "notebooks"
TOUR = NOTEBOOKS / "00-kernel-tour.ipynb"
EXPLORE = NOTEBOOKS / "01-explore-globmed.ipynb"
MODELS = NOTEBOOKS / "02-models.ipynb"
EVALUATE = NOTEBOOKS / "03-evaluate.ipynb"
FINE_TUNE = NOTEBOOKS / "04-fine-tune.ipynb"
PAPER_FIGURES = NOTEBOOKS / "05-paper-figures.ipynb"
JUPYTER = "/usr/bin/jupyter" if Path("/usr/bin/jupyter").exists() else "jupyter"
KERNEL_NAME = "java"

# Seconds to wait for a kernel to come up and for an ordinary cell.
START_TIMEOUT = 60
CELL_TIMEOUT = 60

_spec_dir = None


def globmed(*args, timeout=600):
    """Runs environment/globmed with ARGS as a user would; returns the CompletedProcess (text)."""
    return subprocess.run([str(GLOBMED), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def install_kernelspec():
    """Installs the kernelspec once per test run into a temporary JUPYTER_PATH entry."""
    global _spec_dir
    if _spec_dir is not None:
        return _spec_dir
    if not KERNEL_JAR.exists():
        pytest.exit(f"{KERNEL_JAR} is missing: build the kernel first (mvn -q -B -DskipTests package)", 2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="globmed-kernelspec-"))
    env = {**os.environ, "JUPYTER_DATA_DIR": str(data_dir), "GLOBMED_JUPYTER": JUPYTER}
    done = subprocess.run([str(GLOBMED), "kernel", "install", "--name", KERNEL_NAME],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"globmed kernel install failed:\n{done.stdout}\n{done.stderr}"
    spec = json.loads((data_dir / "kernels" / KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"][0] == str(GLOBMED), spec
    paths = [str(data_dir)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    _spec_dir = data_dir
    return data_dir


OUTPUT_TYPES = ("stream", "display_data", "update_display_data", "execute_result", "error", "clear_output")


@dataclass
class Result:
    """What one execute_request produced: the reply and the iopub messages, with arrival times."""
    reply: dict
    messages: list = field(default_factory=list)
    sent_at: float = 0.0
    reply_at: float = 0.0
    idle_at: float = 0.0

    @property
    def content(self):
        return self.reply["content"]

    @property
    def status(self):
        return self.content["status"]

    @property
    def outputs(self):
        return [m for m in self.messages if m["msg_type"] in OUTPUT_TYPES]

    def of_type(self, msg_type):
        return [m["content"] for m in self.messages if m["msg_type"] == msg_type]

    def stream(self, name="stdout"):
        return "".join(c["text"] for c in self.of_type("stream") if c["name"] == name)

    @property
    def stdout(self):
        return self.stream("stdout")

    @property
    def stderr(self):
        return self.stream("stderr")

    @property
    def value(self):
        """The text/plain of the execute_result, or None."""
        results = self.of_type("execute_result")
        assert len(results) <= 1, results
        return results[0]["data"].get("text/plain") if results else None

    @property
    def result_data(self):
        results = self.of_type("execute_result")
        assert len(results) == 1, f"expected one execute_result, got {self.outputs}"
        return results[0]["data"]

    @property
    def error(self):
        errors = self.of_type("error")
        assert len(errors) == 1, f"expected one error output, got {self.outputs} / reply {self.content}"
        return errors[0]

    def ok(self):
        assert self.status == "ok", f"cell failed: {self.content.get('ename')}: {self.content.get('evalue')}\n" + \
            "\n".join(self.content.get("traceback", []))
        return self


class Kernel:
    """A kernel process and a blocking client connected to it."""

    def __init__(self, extra_env=None, name=KERNEL_NAME):
        install_kernelspec()
        self.km = KernelManager(kernel_name=name)
        env = {**os.environ, **(extra_env or {})}
        self.km.start_kernel(env=env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=START_TIMEOUT)
        self.drain()

    @property
    def pid(self):
        return self.km.provisioner.process.pid

    def alive(self):
        return self.km.is_alive()

    def drain(self, seconds=0.05):
        """Drops whatever is waiting on shell and iopub."""
        for get in (self.kc.get_shell_msg, self.kc.get_iopub_msg):
            while True:
                try:
                    get(timeout=seconds)
                except Empty:
                    break

    def execute(self, code, timeout=CELL_TIMEOUT, on_message=None, **kwargs):
        """Runs a cell and collects its reply and all iopub messages up to its idle status."""
        msg_id = self.kc.execute(code, **kwargs)
        return self.collect(msg_id, timeout, on_message)

    def collect(self, msg_id, timeout=CELL_TIMEOUT, on_message=None):
        result = Result(reply=None, sent_at=time.monotonic())
        deadline = time.monotonic() + timeout
        idle = False
        while result.reply is None or not idle:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {'reply' if result.reply is None else 'idle status'} within {timeout} s "
                                   f"for {msg_id}; outputs so far: {[m['msg_type'] for m in result.messages]}")
            wait = 0.02
            while True:
                try:
                    msg = self.kc.get_iopub_msg(timeout=wait)
                except Empty:
                    break
                wait = 0
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                msg["received_at"] = time.monotonic()
                if msg["msg_type"] == "status":
                    if msg["content"]["execution_state"] == "idle":
                        idle = True
                        result.idle_at = msg["received_at"]
                    continue
                result.messages.append(msg)
                if on_message:
                    on_message(msg)
            while result.reply is None:
                try:
                    msg = self.kc.get_shell_msg(timeout=0)
                except Empty:
                    break
                if msg["parent_header"].get("msg_id") == msg_id:
                    result.reply = msg
                    result.reply_at = time.monotonic()
        return result

    def run(self, code, timeout=CELL_TIMEOUT):
        """Runs a cell that must succeed; returns its Result."""
        return self.execute(code, timeout=timeout).ok()

    def request(self, send, timeout=CELL_TIMEOUT):
        """Sends a shell request (``send`` returns its msg_id) and returns the reply content."""
        msg_id = send()
        deadline = time.monotonic() + timeout
        while True:
            msg = self.kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def kernel_info(self, timeout=10):
        return self.request(self.kc.kernel_info, timeout)["content"]

    def responsive(self, timeout=5):
        """True when the kernel answers kernel_info on the shell channel within ``timeout`` s."""
        try:
            return self.alive() and self.kernel_info(timeout)["status"] == "ok"
        except Empty:
            return False

    def restart(self):
        """A new kernel process behind the same client (used when a test left the kernel stuck)."""
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=START_TIMEOUT)
        self.drain()

    def close(self):
        try:
            self.kc.stop_channels()
        finally:
            if self.km.has_kernel and self.km.is_alive():
                self.km.shutdown_kernel(now=False)
            elif self.km.has_kernel:
                self.km.cleanup_resources()


def execute_notebook(path, out_path=None, timeout=120):
    """Executes a notebook with nbclient on the java kernel and returns it (also saved to out_path)."""
    import nbformat
    from nbclient import NotebookClient

    install_kernelspec()
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    try:
        client.execute()
    finally:
        if out_path is not None:
            nbformat.write(nb, str(out_path))
    return nb


def cell_by_id(nb, cell_id):
    for cell in nb.cells:
        if cell.get("id") == cell_id:
            return cell
    raise KeyError(f"no cell with id {cell_id!r}")


def output_data(cell, output_type=None):
    """MIME bundles of a cell's rich outputs, in order."""
    return [o["data"] for o in cell.outputs
            if "data" in o and (output_type is None or o["output_type"] == output_type)]


def stream_text(cell, name="stdout"):
    return "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream" and o["name"] == name)
