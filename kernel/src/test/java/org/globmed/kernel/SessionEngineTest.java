package org.globmed.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Set;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.engine.CellError;
import org.globmed.kernel.engine.CellGuard;
import org.globmed.kernel.engine.JavaEngine;
import org.junit.jupiter.api.Test;

/** Cells through a real {@link Session}: values, output, errors, exits, analysis. */
class SessionEngineTest extends SessionCase {
    // --- values -----------------------------------------------------------------------------

    @Test
    void expressionValueIsItsText() throws Exception {
        DisplayData data = run("6 * 7");
        assertEquals("42", RecordingOutput.plain(data));
        assertEquals(Set.of("text/plain"), RecordingOutput.data(data).keySet());
        assertEquals("\"quoted\" text", value("\"\\\"quoted\\\" text\""));
    }

    @Test
    void statementsAndDeclarationsHaveNoValue() throws Exception {
        assertNull(run("int unusedNumber = 5;"));
        assertNull(run("System.out.print(\"\");"));
        assertNull(run("void doNothing() {}"));
        assertNull(run("doNothing()"));
        assertNull(run("class EmptyType {}"));
        assertNull(run("import java.util.concurrent.*;"));
        assertNull(run("if (unusedNumber > 0) { unusedNumber++; }"));
    }

    @Test
    void cellWithSeveralSnippetsReturnsTheLastValue() throws Exception {
        assertEquals("6", value("int a1 = 2;\nint b1 = 3;\na1 * b1"));
        assertEquals("30", value("10; 20; 30"));
        assertNull(run("int c1 = 1;\nc1 + 1;\nint d1 = 2;"), "a declaration last: no value");
    }

    @Test
    void variablesPersistAcrossCells() throws Exception {
        run("int counter = 41;");
        run("counter++;");
        assertEquals("42", value("counter"));
        run("counter = 7;");
        assertEquals("7", value("counter"));
    }

    @Test
    void methodsAndTypesDefinedInOneCellAreUsableLater() throws Exception {
        run("int square(int x) { return x * x; }");
        run("record Point(int x, int y) { int sum() { return x + y; } }");
        run("interface Shape { double area(); }\nclass Box implements Shape { public double area() { return 2.5; } }");
        assertEquals("49", value("square(new Point(2, 5).sum())"));
        assertEquals("2.5", value("Shape s = new Box();\ns.area()"));
        run("int square(int x) { return x * x + 1; }");
        assertEquals("10", value("square(3)"), "a redefined method replaces the old one");
    }

    @Test
    void forwardReferenceWorksOnceDeclared() throws Exception {
        assertNull(run("int useLater() { return later() + 1; }"));
        CellError early = failure("useLater()");
        assertEquals("UnresolvedReference", early.ename());
        assertEquals("useLater cannot be used until method later() is declared", early.evalue());
        run("int later() { return 41; }");
        assertEquals("42", value("useLater()"));
    }

    @Test
    void tablesawTableFromACellRendersAsHtml() throws Exception {
        DisplayData data = run("Table scores = Table.create(\"scores\", IntColumn.create(\"n\", 1, 2));\nscores");
        JsonObject bundle = RecordingOutput.data(data);
        assertTrue(bundle.get("text/html").getAsString().contains("2 rows × 1 columns"), bundle.toString());
        assertTrue(bundle.has("text/plain"));
    }

    @Test
    void duckTypedMimeBundleOfACellClass() throws Exception {
        run("class Badge {\n"
                + "  public Map<String, Object> mimeBundle() { return Map.of(\"text/html\", \"<b>badge</b>\"); }\n"
                + "  public String toString() { return \"Badge\"; }\n"
                + "}");
        JsonObject bundle = RecordingOutput.data(run("new Badge()"));
        assertEquals("<b>badge</b>", bundle.get("text/html").getAsString());
        assertEquals("Badge", bundle.get("text/plain").getAsString());

        run("class Broken { public Map<String, Object> mimeBundle() { throw new IllegalStateException(\"no bundle\"); } }");
        CellError e = failure("new Broken()");
        assertTrue(e.evalue().contains("Broken.mimeBundle() failed"), e.evalue());
        assertTrue(e.evalue().contains("no bundle"), e.evalue());
        assertEquals("42", value("6 * 7"), "the session goes on");
    }

    @Test
    void displayAndUpdateDisplayFromACell() throws Exception {
        assertNull(run("String shownId = display(html(\"<b>hi</b>\"));\nupdateDisplay(shownId, markdown(\"*bye*\"));"));
        List<RecordingOutput.Event> events = out.events();
        assertEquals(List.of("display", "update"), events.stream().map(RecordingOutput.Event::kind).toList());
        DisplayData shown = events.get(0).data();
        DisplayData updated = events.get(1).data();
        assertEquals("<b>hi</b>", RecordingOutput.data(shown).get("text/html").getAsString());
        assertEquals("*bye*", RecordingOutput.data(updated).get("text/markdown").getAsString());
        assertNotNull(shown.getDisplayId());
        assertEquals(shown.getDisplayId(), updated.getDisplayId());

        assertNull(run("display(\"shown once\")"), "the id that display() returns is not shown again");
        assertEquals(1, out.displays().size());
        assertEquals("shown once", out.displays().get(0).get("text/plain").getAsString());
    }

    // --- output -----------------------------------------------------------------------------

    @Test
    void stdoutAndStderrGoToTheCellInOrder() throws Exception {
        assertNull(run("System.out.println(\"one\");\n"
                + "System.err.println(\"warning\");\n"
                + "System.out.println(\"two\");\n"
                + "System.out.print(\"日本語 ✓\");"));
        assertEquals("one\ntwo\n日本語 ✓", out.stdout());
        assertEquals("warning\n", out.stderr());

        RecordingOutput first = out;
        run("System.out.println(\"next cell\");");
        assertEquals("next cell\n", out.stdout());
        assertEquals("one\ntwo\n日本語 ✓", first.stdout(), "nothing of a later cell reaches an earlier one");
    }

    @Test
    void multiByteCharacterSplitAcrossWritesIsNotBroken() throws Exception {
        run("byte[] utf8 = \"日本語 ✓\".getBytes(java.nio.charset.StandardCharsets.UTF_8);\n"
                + "System.out.write(utf8[0]);\n"
                + "Thread.sleep(150);\n" // the router flushes every 40 ms: it sees half a character
                + "System.out.write(utf8, 1, utf8.length - 1);");
        assertEquals("日本語 ✓", out.stdout());
    }

    @Test
    void manyLinesArriveCompleteAndInOrder() throws Exception {
        run("for (int i = 0; i < 20000; i++) { System.out.println(i); }");
        String[] lines = out.stdout().split("\n");
        assertEquals(20000, lines.length);
        for (int i = 0; i < lines.length; i++) {
            assertEquals(String.valueOf(i), lines[i]);
        }
        assertTrue(out.events().size() < 2000, "output is batched, not one message per line: " + out.events().size());
    }

    // --- compile errors ---------------------------------------------------------------------

    @Test
    void compileErrorNamesLineAndColumnInTheCell() {
        CellError e = failure("int a2 = 1;\nint b2 = 2;\nint c2 = a2 + undefinedVar;");
        assertEquals("CompilationError", e.ename());
        assertEquals("line 3, column 15: cannot find symbol", e.evalue());
        List<String> tb = e.traceback();
        int at = tb.indexOf("    int c2 = a2 + undefinedVar;");
        assertTrue(at > 0, tb.toString());
        assertEquals("    " + " ".repeat(14) + "^", tb.get(at + 1));
    }

    @Test
    void compileErrorLinesCountFromTheCellsFirstLineWhenMagicsComeFirst() {
        CellError e = failure("%lsmagic\nint q3 = 1;\nString s3 = q3;");
        assertEquals("CompilationError", e.ename());
        assertTrue(e.evalue().startsWith("line 3, column 13: incompatible types"), e.evalue());
    }

    @Test
    void rerunOfAnUnchangedExpressionSeesAssignmentsAndRedeclarations() throws Exception {
        run("int rerunX = 1;");
        assertEquals("2", value("rerunX + 1"));
        assertEquals("2", value("rerunX + 1"));
        run("rerunX = 5;");
        assertEquals("6", value("rerunX + 1"));
        run("String rerunX = \"a\";");
        assertEquals("a1", value("rerunX + 1"));
        run("long rerunCount = 0;");
        assertEquals("1", value("++rerunCount"));
        assertEquals("2", value("++rerunCount"));
        assertEquals("3", value("++rerunCount"));
    }

    @Test
    void rerunThatThrowsReportsTheExceptionAndTheCellLine() throws Exception {
        run("int[] rerunArray = {7};\nint rerunIndex = 0;");
        assertEquals("7", value("rerunArray[rerunIndex++]"));
        CellError e = failure("rerunArray[rerunIndex++]");
        assertEquals("java.lang.ArrayIndexOutOfBoundsException", e.ename());
        assertTrue(e.traceback().contains("\tat <cell>(cell line 1)"), e.traceback().toString());
    }

    @Test
    void lineMagicErrorsNameTheMagicsLine() {
        CellError e = failure("int unusedA = 1;\n%time String timed = unusedA;");
        assertTrue(e.evalue().startsWith("line 2, "), e.evalue());
    }

    @Test
    void remainderOperatorStartingALineIsJavaNotAMagic() throws Exception {
        run("int g2 = 7;");
        assertEquals("3", value("int g = 17\n    %g2;\ng"));
    }

    @Test
    void aDisplayIdIsHiddenOnlyInTheCellThatDisplayed() throws Exception {
        assertNull(run("String shownId = display(\"x\");\nshownId"));
        assertTrue(value("shownId").startsWith("globmed-"));
    }

    @Test
    void compileErrorAfterBlankLinesIndentationAndOnASharedLine() {
        assertTrue(failure("int k4 = 1;\n\n\n    String s4 = k4;").evalue().startsWith("line 4, column 17: "));
        assertTrue(failure("int k5 = 1; String s5 = k5;").evalue().startsWith("line 1, column 25: "));
        assertTrue(failure("  String s6 = 6;").evalue().startsWith("line 1, column 15: "));
        assertTrue(failure("void broken() {\n  int x = \"text\";\n}").evalue().startsWith("line 2, column 11: "));
    }

    @Test
    void declarationThatNeedsAMissingTypeIsReported() {
        CellError e = failure("class Child extends MissingParent {}");
        assertEquals("CompilationError", e.ename());
        assertTrue(e.evalue().contains("MissingParent"), e.evalue());
    }

    @Test
    void methodTooLargeIsACompileErrorThatSaysSo() throws Exception {
        StringBuilder code = new StringBuilder("int small = 1;\nint[] table() {\n  return new int[] {");
        for (int i = 0; i < 12_000; i++) {
            code.append(i).append(i % 20 == 19 ? ",\n" : ", ");
        }
        code.append("0};\n}");
        CellError e = failure(code.toString());
        assertEquals("CompilationError", e.ename());
        assertEquals("line 2, column 1: code too large", e.evalue());
        assertEquals("1", value("small"));
    }

    // --- runtime errors ---------------------------------------------------------------------

    @Test
    void runtimeErrorIsTheExceptionWithUserFramesOnly() {
        CellError e = failure("int zero = 0;\n\nint r = 10 / zero;");
        assertEquals("java.lang.ArithmeticException", e.ename());
        assertEquals("/ by zero", e.evalue());
        assertEquals(List.of("java.lang.ArithmeticException: / by zero", "\tat <cell>(cell line 3)"), e.traceback());
        assertInstanceOf(ArithmeticException.class, e.thrown());
    }

    @Test
    void runtimeErrorTracebackNamesMethodCellAndCauses() throws Exception {
        run("void explode(String why) {\n  throw new IllegalStateException(\"outer\", new java.io.IOException(why));\n}");
        int defined = count;
        CellError e = failure("int before = 1;\nexplode(\"disk full\");");
        assertEquals("java.lang.IllegalStateException", e.ename());
        assertEquals("outer", e.evalue());
        assertEquals(List.of(
                "java.lang.IllegalStateException: outer",
                "\tat explode(cell [" + defined + "] line 2)",
                "\tat <cell>(cell line 2)",
                "Caused by: java.io.IOException: disk full",
                "\tat explode(cell [" + defined + "] line 2)",
                "\tat <cell>(cell line 2)"), e.traceback());
    }

    @Test
    void exceptionFromAConstructorIsReportedAndTheSessionGoesOn() throws Exception {
        run("class Fragile {\n  Fragile(int v) {\n    if (v < 0) throw new IllegalArgumentException(\"negative: \" + v);\n  }\n}");
        int defined = count;
        CellError e = failure("new Fragile(-1)");
        assertEquals("java.lang.IllegalArgumentException", e.ename());
        assertEquals("negative: -1", e.evalue());
        assertEquals("\tat <init>(cell [" + defined + "] line 3)", e.traceback().get(1));
        assertEquals("true", value("new Fragile(1) != null"));
    }

    @Test
    void stackOverflowIsReportedAndTheSessionGoesOn() throws Exception {
        run("int depth(int n) { return depth(n + 1) + 1; }");
        int defined = count;
        CellError e = failure("depth(0)");
        assertEquals("java.lang.StackOverflowError", e.ename());
        assertEquals("\tat depth(cell [" + defined + "] line 1)", e.traceback().get(1));
        assertEquals("42", value("6 * 7"));
    }

    // --- exits ------------------------------------------------------------------------------

    @Test
    void systemExitInACellFailsTheCellOnly() throws Exception {
        CellError e = failure("System.out.println(\"before\");\nSystem.exit(3);\nSystem.out.println(\"after\");");
        assertEquals(CellGuard.CellExitException.class.getName(), e.ename());
        assertEquals(3, assertInstanceOf(CellGuard.CellExitException.class, e.thrown()).status());
        assertEquals("before\n", out.stdout());
        assertEquals("42", value("6 * 7"));
    }

    @Test
    void exitIsNotSwallowedByCatchException() throws Exception {
        CellError e = failure("try {\n  System.exit(2);\n} catch (Exception ex) {\n  System.out.println(\"swallowed\");\n}\n"
                + "System.out.println(\"after exit\");");
        assertEquals(CellGuard.CellExitException.class.getName(), e.ename());
        assertEquals("", out.stdout(), "nothing runs after System.exit");
    }

    @Test
    void runtimeExitAndHaltFailTheCellOnly() throws Exception {
        CellError exit = failure("Runtime.getRuntime().exit(4)");
        assertEquals(CellGuard.CellExitException.class.getName(), exit.ename());
        assertEquals(4, ((CellGuard.CellExitException) exit.thrown()).status());
        CellError halt = failure("Runtime rt = Runtime.getRuntime();\nrt.halt(5);");
        assertEquals(CellGuard.CellExitException.class.getName(), halt.ename());
        assertEquals(5, ((CellGuard.CellExitException) halt.thrown()).status());
        assertEquals("42", value("6 * 7"));
    }

    @Test
    void exitInsideMethodsLambdasAndThreadsOfCellCodeIsCaught() throws Exception {
        run("void quit() { System.exit(7); }");
        assertEquals(7, ((CellGuard.CellExitException) failure("quit()").thrown()).status());
        assertEquals(8, ((CellGuard.CellExitException) failure("Runnable r8 = () -> System.exit(8);\nr8.run();")
                .thrown()).status());
        assertNull(run("Thread t9 = new Thread(() -> System.exit(9));\nt9.start();\nt9.join();"));
        assertTrue(out.stderr().contains("System.exit(9) was called in a cell"), out.stderr());
        assertEquals("42", value("6 * 7"));
    }

    // --- analysis ---------------------------------------------------------------------------

    @Test
    void isCompleteAnswersCompleteIncompleteAndInvalid() {
        JavaEngine engine = session.engine();
        assertEquals(new JavaEngine.Completion("complete", ""), engine.isComplete("int x = 1;"));
        assertEquals(new JavaEngine.Completion("complete", ""), engine.isComplete("int x = 1;\nx + 1"));
        assertEquals(new JavaEngine.Completion("incomplete", "    "), engine.isComplete("for (int i = 0; i < 3; i++) {"));
        assertEquals(new JavaEngine.Completion("incomplete", "        "), engine.isComplete("void f() {\n  if (true) {"));
        assertEquals(new JavaEngine.Completion("incomplete", "    "), engine.isComplete("int y = 1 +"));
        assertEquals("invalid", engine.isComplete("int x = ;").status());
        assertEquals("invalid", engine.isComplete("}").status());

        assertEquals("complete", session.isComplete("%%html\n<b>open").status(), "a cell magic takes any body");
        assertEquals("complete", session.isComplete("%lsmagic").status());
        assertEquals(new JavaEngine.Completion("incomplete", "    "), session.isComplete("%lsmagic\nwhile (true) {"));
    }

    @Test
    void completionOfMembersWithTheRangeToReplace() {
        JavaEngine engine = session.engine();
        JavaEngine.Candidates math = engine.complete("Math.ab", 7);
        assertTrue(math.matches().contains("abs("), math.toString());
        assertEquals(5, math.start());
        assertEquals(7, math.end());

        JavaEngine.Candidates print = engine.complete("System.out.pri", 14);
        assertTrue(print.matches().contains("println("), print.toString());
        assertEquals(11, print.start());
        assertEquals(14, print.end());

        String code = "int y6 = 1;\nString t6 = Math.ab + \"\";";
        int cursor = code.indexOf(".ab") + 3;
        JavaEngine.Candidates later = engine.complete(code, cursor);
        assertTrue(later.matches().contains("abs("), later.toString());
        assertEquals(code.indexOf(".ab") + 1, later.start());
        assertEquals(cursor, later.end());
    }

    @Test
    void completionOfAVariableDefinedInAnEarlierCell() throws Exception {
        run("int myCounterVar = 3;");
        JavaEngine.Candidates c = session.engine().complete("1 + myCounterV", 14);
        assertTrue(c.matches().contains("myCounterVar"), c.toString());
        assertEquals(4, c.start());
        assertEquals(14, c.end());
    }

    @Test
    void completionOfPackagesInAnImport() throws Exception {
        String code = "import java.util.concurrent.ato";
        // JShell indexes the class path in the background after start: poll, do not assume.
        long deadline = System.nanoTime() + 30_000_000_000L;
        JavaEngine.Candidates c = session.engine().complete(code, code.length());
        while (c.matches().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            c = session.engine().complete(code, code.length());
        }
        assertTrue(c.matches().stream().anyMatch(m -> m.startsWith("atomic")), c.toString());
        assertEquals(code.length() - 3, c.start());
        assertEquals(code.length(), c.end());
    }

    @Test
    void inspectShowsSignaturesAndVariables() throws Exception {
        // JShell indexes the class path in the background after start; with a longer class path
        // (DJL, Jinjava) the first inspect may come before it is done and find nothing yet.
        long deadline = System.nanoTime() + 30_000_000_000L;
        String call = session.engine().inspect("Math.abs(", 9);
        while (call == null && System.nanoTime() < deadline) {
            Thread.sleep(100);
            call = session.engine().inspect("Math.abs(", 9);
        }
        assertNotNull(call);
        assertTrue(call.contains("abs(int"), call);
        String name = session.engine().inspect("Math.abs", 6);
        assertNotNull(name);
        assertTrue(name.contains("abs(int"), name);

        run("String greeting = \"hello\";");
        String variable = session.engine().inspect("greeting.length()", 3);
        assertNotNull(variable);
        assertTrue(variable.contains("String greeting = \"hello\""), variable);
        assertNull(session.engine().inspect("zzzNothingHere", 4));
    }
}
