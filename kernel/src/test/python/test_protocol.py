"""The Jupyter messaging protocol as the java kernel speaks it, through jupyter_client.

Most tests share one kernel (the ``kernel`` fixture); tests that hurt a kernel (small heap,
restart, shutdown) start their own.
"""
import os
import re
import subprocess
import textwrap
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from jupyter_client.session import Session

from globmed_testing import Kernel

INTERNAL_FRAMES = ("jdk.jshell", "org.globmed", "REPL.", "$JShell$", "jdk.internal.reflect",
                   "java.lang.reflect.Method", "DirectExecutionControl")


def java_version():
    """java.runtime.version of the java the launcher runs (JAVA_HOME/bin/java or java on PATH)."""
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    out = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True).stderr
    return re.search(r"java\.runtime\.version = (\S+)", out).group(1)


# ---------------------------------------------------------------------------------------------
# kernel_info

def test_kernel_info(kernel):
    info = kernel.kernel_info()
    assert info["status"] == "ok"
    major, minor = (int(p) for p in info["protocol_version"].split(".")[:2])
    assert (major, minor) >= (5, 3), info["protocol_version"]
    assert info["implementation"] == "globmed"
    assert info["implementation_version"]
    lang = info["language_info"]
    assert lang["name"] == "java"
    assert lang["version"] == java_version()
    assert lang["version"] == kernel.run("Runtime.version().toString()").value
    assert lang["mimetype"] == "text/x-java"
    assert lang["file_extension"] == ".jshell"
    assert lang["codemirror_mode"]
    assert info["help_links"], "help_links is empty"
    for link in info["help_links"]:
        assert link["text"] and link["url"].startswith("https://"), link


# ---------------------------------------------------------------------------------------------
# output

def test_stdout_streams_while_the_cell_runs(kernel):
    code = 'System.out.println("first"); Thread.sleep(2000); System.out.println("second");'
    result = kernel.run(code, timeout=30)
    streams = [m for m in result.messages if m["msg_type"] == "stream"]
    first = next(m for m in streams if "first" in m["content"]["text"])
    assert "second" not in first["content"]["text"], "the two lines came in one message, at the end"
    assert "second" in result.stdout
    lead = result.reply_at - first["received_at"]
    assert lead >= 1.5, f'"first" arrived only {lead:.2f} s before the execute reply'


def test_message_headers_carry_precise_timestamps(kernel):
    """header.date is ISO 8601 down to (micro)seconds; nbclient and JupyterLab time cells with it."""
    result = kernel.run('Thread.sleep(1100); System.out.println("x");')
    dates = [result.reply["header"]["date"]] + [m["header"]["date"] for m in result.messages]
    for date in dates:
        assert isinstance(date, datetime), f"header.date {date!r} is not a full ISO 8601 timestamp"
    assert (result.reply["header"]["date"] - result.reply["parent_header"]["date"]).total_seconds() >= 1.0


def test_stderr_is_its_own_stream(kernel):
    result = kernel.run('System.out.println("to out"); System.err.println("to err");')
    assert result.stdout == "to out\n"
    assert result.stderr == "to err\n"


def test_tablesaw_table_renders_as_html(kernel):
    result = kernel.run(textwrap.dedent("""\
        Table cohort = Table.create("cohort",
                StringColumn.create("language", "en", "sw", "bn"),
                IntColumn.create("items", 1200, 340, 410));
        cohort"""))
    data = result.result_data
    html = data["text/html"]
    assert "<table" in html
    for name in ("language", "items", "en", "sw", "bn", "1200"):
        assert name in html, name
    assert re.search(r"3\s+rows\s*\S\s*2\s+columns", html), html[:300]
    assert "language" in data["text/plain"] and "1200" in data["text/plain"]


def test_plotly_figure_renders_as_html(kernel):
    result = kernel.run(textwrap.dedent("""\
        Table scores = Table.create("scores",
                StringColumn.create("language", "en", "sw"),
                DoubleColumn.create("accuracy", 0.8, 0.5));
        VerticalBarPlot.create("Accuracy", scores, "language", "accuracy")"""))
    html = result.result_data["text/html"]
    div = re.search(r'<div id="([^"]+)"', html)
    assert div, html[-2000:]
    script = html[div.end():]
    assert "<script" in script and "Plotly.newPlot" in script
    assert div.group(1) in script, "the script does not draw into the figure's div"
    assert "Accuracy" in script and '"sw"' in script.replace("'", '"')
    # A second figure in the same session gets a div and a script of its own.
    second = kernel.run('LinePlot.create("Again", scores, "language", "accuracy")').result_data["text/html"]
    second_div = re.search(r'<div id="([^"]+)"', second)
    assert second_div and second_div.group(1) != div.group(1)
    assert "Plotly.newPlot" in second


def test_image_renders_as_png(kernel):
    result = kernel.run(textwrap.dedent("""\
        var img = new java.awt.image.BufferedImage(8, 4, java.awt.image.BufferedImage.TYPE_INT_RGB);
        img"""))
    import base64
    png = base64.b64decode(result.result_data["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_display_and_update_display_share_an_id(kernel):
    result = kernel.run(textwrap.dedent("""\
        String id = display(html("<b>step 1</b>"));
        System.out.println("id=" + id);
        updateDisplay(id, html("<b>step 2</b>"));"""))
    shown = result.of_type("display_data")
    updated = result.of_type("update_display_data")
    assert len(shown) == 1 and len(updated) == 1, result.outputs
    assert shown[0]["data"]["text/html"] == "<b>step 1</b>"
    assert updated[0]["data"]["text/html"] == "<b>step 2</b>"
    display_id = shown[0]["transient"]["display_id"]
    assert display_id and updated[0]["transient"]["display_id"] == display_id
    assert f"id={display_id}" in result.stdout
    # A later cell can update an output of an earlier one.
    later = kernel.run('updateDisplay(id, "step 3")')
    assert later.of_type("update_display_data")[0]["transient"]["display_id"] == display_id
    assert later.of_type("update_display_data")[0]["data"]["text/plain"] == "step 3"


def test_clear_output(kernel):
    result = kernel.run('System.out.println("old"); clearOutput(); System.out.println("new");')
    types = [m["msg_type"] for m in result.outputs]
    assert "clear_output" in types
    after = types.index("clear_output")
    assert any(m["msg_type"] == "stream" and "new" in m["content"]["text"] for m in result.outputs[after:])


def test_silent_execution_sends_no_output(kernel):
    result = kernel.execute('System.out.println("quiet"); 1 + 1', silent=True)
    assert result.status == "ok"
    assert result.outputs == []


# ---------------------------------------------------------------------------------------------
# errors

@pytest.mark.parametrize("code, line, column", [
    ("int first = 1;\nint second = undefinedName + 1;\nint third = 3;", 2, 14),
    ("int a = 1;\nString s = 42;\n", 2, 12),
    ('%time int t = 1;\nint u = 2;\nu.length()', 3, 1),
])
def test_compile_error_names_line_and_column(kernel, code, line, column):
    result = kernel.execute(code)
    assert result.status == "error"
    error = result.error
    assert error["ename"] == "CompilationError"
    assert error["evalue"].startswith(f"line {line}, column {column}:"), error["evalue"]
    text = "\n".join(error["traceback"])
    offending = code.splitlines()[line - 1]
    assert offending.strip() in text, text


def test_runtime_error_traceback_is_trimmed_to_cell_frames(kernel):
    code = textwrap.dedent("""\
        void inner() { throw new IllegalStateException("broken on purpose"); }
        void outer() { inner(); }
        outer();""")
    result = kernel.execute(code)
    assert result.status == "error"
    error = result.error
    assert error["ename"] == "java.lang.IllegalStateException"
    assert error["evalue"] == "broken on purpose"
    trace = error["traceback"]
    assert "IllegalStateException: broken on purpose" in trace[0]
    text = "\n".join(trace)
    assert "cell line 1" in text and "cell line 3" in text, text
    for marker in INTERNAL_FRAMES:
        assert marker not in text, f"{marker} frame in traceback:\n{text}"


def test_runtime_error_from_library_code_keeps_library_frames_only_above_the_cell(kernel):
    result = kernel.execute('Integer.parseInt("not a number")')
    error = result.error
    assert error["ename"] == "java.lang.NumberFormatException"
    text = "\n".join(error["traceback"])
    assert "Integer.parseInt" in text and "cell line 1" in text
    assert text.rstrip().endswith("(cell line 1)"), text
    for marker in INTERNAL_FRAMES:
        assert marker not in text, f"{marker} frame in traceback:\n{text}"


def test_runtime_error_shows_its_cause(kernel):
    result = kernel.execute('throw new RuntimeException("outer", new java.io.IOException("inner"));')
    text = "\n".join(result.error["traceback"])
    assert "RuntimeException: outer" in text
    assert "Caused by: java.io.IOException: inner" in text


def test_uncaught_exception_leaves_the_kernel_working(kernel):
    kernel.run("int beforeFailure = 5;")
    failed = kernel.execute('Object o = null; o.toString();')
    assert failed.status == "error" and failed.error["ename"] == "java.lang.NullPointerException"
    assert kernel.run("beforeFailure * 2").value == "10"


def test_stack_overflow_is_an_error_and_the_kernel_continues(kernel):
    result = kernel.execute("int depth(int n) { return depth(n + 1) + 1; }\ndepth(0)", timeout=60)
    assert result.status == "error"
    assert result.error["ename"] == "java.lang.StackOverflowError"
    assert kernel.run("1 + 1").value == "2"
    assert kernel.kernel_info()["status"] == "ok"


def test_stack_overflow_traceback_is_short(kernel):
    """A StackOverflowError's 1024 identical frames should be collapsed, as IPython does."""
    result = kernel.execute("int down(int n) { return down(n + 1) + 1; }\ndown(0)", timeout=60)
    trace = result.error["traceback"]
    assert "cell line 1" in "\n".join(trace)
    assert len(trace) <= 50, f"traceback has {len(trace)} lines, e.g. {trace[1:4]}"


@pytest.mark.parametrize("code", ["System.exit(1);", "Runtime.getRuntime().exit(2);", "Runtime.getRuntime().halt(3);"])
def test_exit_in_a_cell_is_an_error_and_the_kernel_survives(kernel, code):
    kernel.run("int survivor = 3;")
    result = kernel.execute(code)
    assert result.status == "error"
    assert result.error["ename"].endswith("CellExitException"), result.error
    assert kernel.alive()
    assert kernel.kernel_info()["status"] == "ok"
    assert kernel.run("survivor").value == "3"


def test_exit_traceback_has_no_kernel_frames(kernel):
    result = kernel.execute("System.exit(1);")
    text = "\n".join(result.error["traceback"])
    assert "cell line 1" in text
    for marker in INTERNAL_FRAMES:
        assert marker not in text, f"{marker} frame in traceback:\n{text}"


# ---------------------------------------------------------------------------------------------
# interrupt

@pytest.mark.parametrize("code", [
    "while (true) {}",
    "Thread.sleep(60000);",
    "long spins = 0; for (long i = 0; ; i++) { spins += i; }",
    "new java.util.concurrent.CountDownLatch(1).await();",
])
def test_interrupt_stops_the_cell_within_a_second(kernel, code):
    kernel.run("int keptAcrossInterrupt = 7;")
    started = []
    msg_id = kernel.kc.execute(code)
    # Wait until the kernel is running the cell, then give it time to get going.
    deadline = time.monotonic() + 10
    while not started and time.monotonic() < deadline:
        msg = kernel.kc.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            started.append(msg)
    time.sleep(0.7)
    interrupted_at = time.monotonic()
    kernel.km.interrupt_kernel()
    result = kernel.collect(msg_id, timeout=30)
    took = result.reply_at - interrupted_at
    assert result.status == "error"
    assert result.content["ename"] == "Interrupted", result.content
    assert took < 1.0, f"the cell stopped {took:.2f} s after the interrupt"
    assert kernel.alive()
    assert kernel.kernel_info()["status"] == "ok"
    assert kernel.run("keptAcrossInterrupt").value == "7"


def test_interrupt_while_a_value_renders(fresh_kernel):
    """Rendering the cell's value (here its toString) is user code too, and must stop on interrupt."""
    kernel = fresh_kernel()
    kernel.run("1")  # the engine has started: this interrupt is about rendering only
    msg_id = kernel.kc.execute("class SlowText { public String toString() { while (true) {} } }\nnew SlowText()")
    time.sleep(1.5)
    interrupted_at = time.monotonic()
    kernel.km.interrupt_kernel()
    try:
        result = kernel.collect(msg_id, timeout=10)
    except TimeoutError:
        pytest.fail("no reply 10 s after the interrupt: the kernel is stuck rendering the value")
    assert result.status == "error"
    assert result.reply_at - interrupted_at < 1.0
    assert kernel.run("1 + 1").value == "2"


@pytest.mark.parametrize("thrown", ["new IllegalArgumentException(\"bad text\")", "new AssertionError(\"bad text\")"])
def test_error_while_rendering_a_value_is_reported(kernel, thrown):
    result = kernel.execute(f"class BadText {{ public String toString() {{ throw {thrown}; }} }}\nnew BadText()",
                            timeout=15)
    assert result.status == "error"
    assert "bad text" in result.error["evalue"]
    assert kernel.run("1 + 1").value == "2"


def test_interrupt_right_after_start_leaves_a_working_kernel(fresh_kernel):
    """An interrupt that arrives while the engine still starts must not break the engine for good."""
    k = fresh_kernel()
    msg_id = k.kc.execute("int early = 1;")
    time.sleep(0.2)
    k.km.interrupt_kernel()
    first = k.collect(msg_id, timeout=20)
    assert first.status in ("ok", "error")
    assert k.run("2 + 2", timeout=20).value == "4"


def test_interrupt_between_cells_does_not_hurt_the_next_cell(kernel):
    kernel.km.interrupt_kernel()
    time.sleep(0.3)
    assert kernel.run("40 + 2").value == "42"


# ---------------------------------------------------------------------------------------------
# memory

def test_out_of_memory_is_reported_and_the_kernel_recovers(fresh_kernel):
    k = fresh_kernel({"GLOBMED_JVM_OPTS": "-Xmx256m"})
    max_memory = int(k.run("Runtime.getRuntime().maxMemory()").value)
    assert max_memory <= 256 * 1024 * 1024, "GLOBMED_JVM_OPTS did not reach the kernel's JVM"
    k.run("int keptAfterOom = 11;")
    # Fill the heap for real, in chunks, from a list the cell holds only while it runs.
    filled = k.execute(textwrap.dedent("""\
        {
            List<long[]> hog = new ArrayList<>();
            while (true) hog.add(new long[1 << 20]);
        }"""), timeout=120)
    assert filled.status == "error"
    assert filled.error["ename"] == "java.lang.OutOfMemoryError", filled.error
    # Arrays larger than the heap, again and again.
    huge = k.execute(textwrap.dedent("""\
        List<long[]> arrays = new ArrayList<>();
        for (int i = 0; i < 5; i++) arrays.add(new long[Integer.MAX_VALUE - 8]);"""), timeout=120)
    assert huge.status == "error"
    assert huge.error["ename"] == "java.lang.OutOfMemoryError", huge.error
    assert k.alive()
    assert k.kernel_info()["status"] == "ok"
    assert k.run("keptAfterOom + 1").value == "12"
    assert k.run('String.join("-", List.of("still", "fine"))').value == "still-fine"


# ---------------------------------------------------------------------------------------------
# security: signed messages only

def test_messages_with_a_wrong_or_missing_signature_are_not_executed(kernel, tmp_path):
    import zmq

    before = int(kernel.run("1").content["execution_count"])
    info = kernel.km.get_connection_info(session=False)
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.linger = 0
    socket.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    try:
        forged = {}
        for label, key in (("wrong", b"not-the-kernel-key"), ("unsigned", b"")):
            marker = tmp_path / f"{label}-was-executed"
            code = (f'Files.writeString(Path.of("{marker}"), "executed");\n'
                    f'int forged_{label} = 1;')
            session = Session(key=key, username="intruder")
            msg = session.msg("execute_request", {
                "code": code, "silent": False, "store_history": True,
                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
            session.send(socket, msg)
            forged[label] = (marker, msg["header"]["msg_id"])
        # The same socket with the right key works, so the socket itself is not the problem.
        good = Session(key=kernel.km.session.key, username="friend")
        ok_msg = good.msg("kernel_info_request", {})
        good.send(socket, ok_msg)
        assert socket.poll(10_000), "no reply to a properly signed request"
        replies = []
        while socket.poll(1500):
            _, parts = good.feed_identities(socket.recv_multipart())
            replies.append(good.deserialize(parts))
        parents = {r["parent_header"].get("msg_id") for r in replies}
        assert ok_msg["header"]["msg_id"] in parents
        for label, (marker, msg_id) in forged.items():
            assert msg_id not in parents, f"the kernel answered the {label}-signature request"
            assert not marker.exists(), f"the {label}-signature request was executed"
            undefined = kernel.execute(f"forged_{label}")
            assert undefined.status == "error" and "cannot find symbol" in undefined.error["evalue"]
    finally:
        socket.close()
    after = int(kernel.run("2").content["execution_count"])
    # Counts: "1" (before), two undefined-variable checks, "2" (after): no forged request counted.
    assert after == before + 3
    assert kernel.kernel_info()["status"] == "ok"


# ---------------------------------------------------------------------------------------------
# lifecycle

def test_restart_gives_a_fresh_kernel_and_shutdown_ends_the_process(fresh_kernel):
    k = fresh_kernel()
    k.run("int beforeRestart = 1;")
    old_pid = k.pid
    started = time.monotonic()
    k.km.restart_kernel(now=False)
    k.kc.wait_for_ready(timeout=60)
    restart_seconds = time.monotonic() - started
    k.drain()
    assert k.pid != old_pid
    assert k.kernel_info()["status"] == "ok"
    gone = k.execute("beforeRestart")
    assert gone.status == "error" and "cannot find symbol" in gone.error["evalue"]
    assert gone.content["execution_count"] == 1, "the execution count did not start again"
    assert restart_seconds < 20, f"restart took {restart_seconds:.1f} s"

    process = k.km.provisioner.process
    reply = k.kc.shutdown(reply=True, timeout=10)
    assert reply["content"]["status"] == "ok"
    assert reply["content"]["restart"] is False
    process.wait(timeout=10)
    assert not k.km.is_alive()
    k.km.cleanup_resources()


def test_history_with_output_returns_input_output_pairs(kernel):
    kernel.run("6 * 7")
    reply = kernel.request(lambda: kernel.kc.history(hist_access_type="tail", n=1, output=True, raw=True))
    entry = reply["content"]["history"][-1]
    session, line, pair = entry
    assert isinstance(pair, list) and len(pair) == 2, f"expected [input, output], got {pair!r}"
    assert pair[0] == "6 * 7"


# ---------------------------------------------------------------------------------------------
# completion, inspection, is_complete

@pytest.mark.parametrize("code, expected", [
    ("Math.ab", {"abs(", "absExact("}),
    ("System.out.pr", {"print(", "printf(", "println("}),
    ("int unrelated = 1;\nMath.ab", {"abs(", "absExact("}),
    ("completionNames.ad", {"add(", "addAll("}),
])
def test_completion(kernel, code, expected):
    kernel.run("List<String> completionNames = new ArrayList<>();")
    reply = kernel.request(lambda: kernel.kc.complete(code))["content"]
    assert reply["status"] == "ok"
    assert expected <= set(reply["matches"]), reply["matches"]
    prefix = code[reply["cursor_start"]:reply["cursor_end"]]
    assert all(m.startswith(prefix) for m in reply["matches"]), (prefix, reply["matches"])


def test_completion_knows_cell_variables(kernel):
    kernel.run("int globmedAccuracy = 1;")
    reply = kernel.request(lambda: kernel.kc.complete("globmedAcc"))["content"]
    assert "globmedAccuracy" in reply["matches"]


@pytest.mark.parametrize("code, cursor, expected", [
    ("Math.abs(", None, "Math.abs(int a)"),
    ("Math.abs", None, "Math.abs(int a)"),
    ("Math.abs(-3)", 6, "Math.abs(int a)"),
    ("System.out.println", None, "println("),
    ("String", None, "java.lang.String"),
])
def test_inspect(kernel, code, cursor, expected):
    reply = kernel.request(lambda: kernel.kc.inspect(code, cursor_pos=cursor))["content"]
    assert reply["status"] == "ok"
    assert reply["found"], f"nothing found for {code!r} at {cursor}"
    assert expected in reply["data"]["text/plain"]


def test_inspect_shows_a_variable(kernel):
    kernel.run('String inspected = "value";')
    reply = kernel.request(lambda: kernel.kc.inspect("inspected"))["content"]
    assert reply["found"] and '"value"' in reply["data"]["text/plain"]


@pytest.mark.parametrize("code, status", [
    ("%lsmagic", "complete"),
    ("%time 1 + 1", "complete"),
    ("%classpath some.jar", "complete"),
    ("%%html\n<b>x</b>\n", "complete"),
    ("int a = 1;\nint b = ", "incomplete"),
    ("/* an open comment", "incomplete"),
    ("int x = ;)", "invalid"),
])
def test_is_complete(kernel, code, status):
    reply = kernel.request(lambda: kernel.kc.is_complete(code))["content"]
    assert reply["status"] == status, reply
    if status == "incomplete":
        assert "indent" in reply


# ---------------------------------------------------------------------------------------------
# magics

def test_cell_magic_html(kernel):
    result = kernel.run("%%html\n<p class='m'>hello</p>")
    shown = result.of_type("display_data")
    assert shown and shown[0]["data"]["text/html"].strip() == "<p class='m'>hello</p>"


def test_cell_magic_markdown(kernel):
    result = kernel.run("%%markdown\n# Title\n\n*emphasis*")
    shown = result.of_type("display_data")
    assert shown and shown[0]["data"]["text/markdown"].strip() == "# Title\n\n*emphasis*"


def test_time_magics(kernel):
    line = kernel.run("%time LongStream.rangeClosed(1, 100).sum()")
    assert "Wall time" in line.stdout
    assert line.value == "5050"
    cell = kernel.run("%%time\nThread.sleep(50);\n21 * 2")
    assert "Wall time" in cell.stdout
    assert cell.value == "42"


def test_lsmagic_lists_the_magics(kernel):
    text = kernel.run("%lsmagic").of_type("display_data")[0]["data"]["text/plain"]
    for name in ("%classpath", "%jars", "%maven", "%mavenRepo", "%load", "%time", "%%time", "%%html", "%%markdown"):
        assert name in text


def test_unknown_magic_is_a_clear_error(kernel):
    for code, name in (("%nosuchmagic 1 2", "%nosuchmagic"), ("%%nosuchcell\nbody", "%%nosuchcell")):
        result = kernel.execute(code)
        assert result.status == "error"
        assert name in result.error["evalue"], result.error
    assert kernel.run("1 + 2").value == "3"


def build_jar(workdir: Path, package: str, cls: str, body: str, jar_name: str) -> Path:
    """Compiles one Java class with javac and packs it with jar: a real jar, built by the test."""
    src = workdir / f"src-{jar_name}" / package / f"{cls}.java"
    src.parent.mkdir(parents=True)
    src.write_text(f"package {package};\npublic class {cls} {{\n{body}\n}}\n")
    classes = workdir / f"classes-{jar_name}"
    subprocess.run(["javac", "--release", "17", "-d", str(classes), str(src)], check=True, timeout=120)
    jar = workdir / jar_name
    subprocess.run(["jar", "cf", str(jar), "-C", str(classes), "."], check=True, timeout=60)
    return jar


def test_classpath_magic_with_a_jar_built_here(kernel, tmp_path):
    jar = build_jar(tmp_path, "tourlib", "Greeter",
                    'public static String greet(String who) { return "Hello, " + who + "!"; }', "greeter.jar")
    missing = kernel.execute("tourlib.Greeter.greet(\"x\")")
    assert missing.status == "error", "the class was found before %classpath"
    kernel.run(f"%classpath {jar}")
    assert kernel.run('import tourlib.Greeter;\nGreeter.greet("jar")').value == "Hello, jar!"


def test_jars_magic_with_a_glob(kernel, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("alpha", "beta"):
        jar = build_jar(tmp_path, f"glob{name}", "Part",
                        f'public static String name() {{ return "{name}"; }}', f"{name}.jar")
        jar.rename(lib / jar.name)
    (lib / "notes.txt").write_text("not a jar")
    kernel.run(f"%jars {lib}/*.jar")
    assert kernel.run('globalpha.Part.name() + "+" + globbeta.Part.name()').value == "alpha+beta"


def test_maven_magic_resolves_with_transitive_dependencies(kernel):
    before = kernel.execute('org.apache.commons.text.WordUtils.capitalizeFully("x")')
    assert before.status == "error", "commons-text is already on the kernel's class path"
    kernel.run("%maven org.apache.commons:commons-text:1.12.0", timeout=180)
    assert kernel.run('org.apache.commons.text.WordUtils.capitalizeFully("global medical models")').value \
        == "Global Medical Models"
    # commons-lang3 came in as a dependency of commons-text.
    assert kernel.run('org.apache.commons.lang3.StringUtils.reverse("abc")').value == "cba"


def test_maven_magic_reports_an_unknown_artifact(kernel):
    result = kernel.execute("%maven org.globmed.nonexistent:no-such-artifact:0.0.1", timeout=180)
    assert result.status == "error"
    assert "no-such-artifact" in result.error["evalue"]
    assert kernel.run("1").value == "1"


def test_load_magic_runs_a_jsh_script(kernel, tmp_path):
    script = tmp_path / f"helpers-{uuid.uuid4().hex[:6]}.jsh"
    script.write_text(textwrap.dedent("""\
        int loadedValue = 41;
        String loadedGreeting(String who) { return "loaded " + who; }
        System.out.println("script ran");
        """))
    result = kernel.run(f"%load {script}")
    assert "script ran" in result.stdout
    assert kernel.run("loadedValue + 1").value == "42"
    assert kernel.run('loadedGreeting("ok")').value == "loaded ok"


def test_load_magic_with_a_missing_file(kernel, tmp_path):
    result = kernel.execute(f"%load {tmp_path}/absent.jsh")
    assert result.status == "error"
    assert "absent.jsh" in result.error["evalue"]


def listening_addresses(pid):
    """(address, port) of every TCP socket the process listens on, from /proc (no psutil here)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and inode in inodes:  # 0A: LISTEN
                    address, port = local.split(":")
                    if width == 32 and address.startswith("0000000000000000FFFF0000"):
                        address = address[24:]  # IPv4-mapped (::ffff:a.b.c.d): Java's dual-stack sockets
                    if len(address) == 8:
                        address = ".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0))
                    found.append((address, int(port, 16)))
    return found


def test_sockets_listen_only_on_the_connection_files_address(kernel):
    info = kernel.km.get_connection_info()
    ports = {info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")}
    found = listening_addresses(kernel.pid)
    assert {port for _, port in found} == ports, found
    assert all(address == info["ip"] == "127.0.0.1" for address, _ in found), found
