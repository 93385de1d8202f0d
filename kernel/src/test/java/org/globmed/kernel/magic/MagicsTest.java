package org.globmed.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.RecordingOutput;
import org.globmed.kernel.SessionCase;
import org.globmed.kernel.engine.CellError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in magics in a running session (no network: %maven is tested elsewhere). */
class MagicsTest extends SessionCase {
    @TempDir
    Path dir;

    /** Compiles {@code source} (class {@code pkg.Name}) into a jar at {@code jar}. */
    private void buildJar(Path jar, String className, String source) throws Exception {
        Path src = Files.createTempDirectory(dir, "src");
        Path classes = Files.createTempDirectory(dir, "classes");
        Path file = src.resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "--release", "17", "-d", classes.toString(), file.toString()));
        Files.createDirectories(jar.getParent());
        try (OutputStream fileOut = Files.newOutputStream(jar);
             JarOutputStream jarOut = new JarOutputStream(fileOut);
             Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                jarOut.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                jarOut.write(Files.readAllBytes(p));
                jarOut.closeEntry();
            }
        }
    }

    @Test
    void lsmagicListsEveryMagic() throws Exception {
        assertNull(run("%lsmagic"));
        List<JsonObject> shown = out.displays();
        assertEquals(1, shown.size());
        String listing = shown.get(0).get("text/plain").getAsString();
        String[] parts = listing.split("\n");
        assertEquals(2, parts.length, listing);
        assertTrue(parts[0].startsWith("Line magics:"), listing);
        assertTrue(parts[1].startsWith("Cell magics:"), listing);
        List<String> lineMagics = List.of(parts[0].substring("Line magics:".length()).strip().split(" "));
        List<String> cellMagics = List.of(parts[1].substring("Cell magics:".length()).strip().split(" "));
        for (String m : List.of("%classpath", "%jars", "%maven", "%mavenRepo", "%load", "%time", "%lsmagic",
                "%addMavenDependency", "%addMavenRepo", "%loadFromPOM")) {
            assertTrue(lineMagics.contains(m), m + " missing from " + listing);
        }
        for (String m : List.of("%%html", "%%markdown", "%%time", "%%loadFromPOM")) {
            assertTrue(cellMagics.contains(m), m + " missing from " + listing);
        }
        // Every name listed is one the registry knows (a bad argument, never "UnknownMagic").
        for (String m : lineMagics) {
            try {
                session.magics().runLine(m.substring(1), "/nonexistent/x", new MagicContext(session, count, 1, true));
            } catch (CellError e) {
                assertTrue(!e.ename().equals("UnknownMagic"), m + ": " + e.getMessage());
            }
        }
    }

    @Test
    void unknownLineMagicNamesItAndListsTheAvailableOnes() {
        CellError e = failure("int fine = 1;\n%nosuchmagic arg");
        assertEquals("UnknownMagic", e.ename());
        assertTrue(e.evalue().startsWith("%nosuchmagic is not a magic; available: "), e.evalue());
        assertTrue(e.evalue().contains("%classpath") && e.evalue().contains("%time"), e.evalue());
    }

    @Test
    void unknownCellMagicNamesItAndListsTheAvailableOnes() {
        CellError e = failure("%%nosuchcell\nbody");
        assertEquals("UnknownMagic", e.ename());
        assertTrue(e.evalue().startsWith("%%nosuchcell is not a magic; available: "), e.evalue());
        assertTrue(e.evalue().contains("%%html") && e.evalue().contains("%%markdown"), e.evalue());
    }

    @Test
    void classpathAddsAJarForLaterCells() throws Exception {
        Path jar = dir.resolve("greeter.jar");
        buildJar(jar, "demo.greet.Greeter",
                "package demo.greet; public class Greeter { public static String hi(String who) { return \"hi \" + who; } }");
        failure("demo.greet.Greeter.hi(\"x\")"); // not there yet
        DisplayData added = run("%classpath " + jar);
        assertNotNull(added);
        assertEquals("[" + jar.toAbsolutePath().normalize() + "]", RecordingOutput.plain(added),
                "the magic's value is the list of entries it added");
        assertEquals("hi jar", value("demo.greet.Greeter.hi(\"jar\")"));
        assertEquals("hi again", value("import demo.greet.Greeter;\nGreeter.hi(\"again\")"));
    }

    @Test
    void classpathAndCodeInTheSameCell() throws Exception {
        Path jar = dir.resolve("same/answer.jar");
        buildJar(jar, "demo.same.Answer", "package demo.same; public class Answer { public static int get() { return 42; } }");
        assertEquals("42", value("%classpath " + jar + "\ndemo.same.Answer.get()"));
    }

    @Test
    void classpathAcceptsAClassFolder() throws Exception {
        Path classes = dir.resolve("folder-classes");
        Path src = dir.resolve("folder-src/demo/folder/Folded.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package demo.folder; public class Folded { public static String where() { return \"folder\"; } }");
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-d", classes.toString(), src.toString()));
        run("%classpath " + classes);
        assertEquals("folder", value("demo.folder.Folded.where()"));
    }

    @Test
    void jarsWithAGlobAddsEveryMatchingJar() throws Exception {
        Path libs = dir.resolve("libs");
        buildJar(libs.resolve("one.jar"), "demo.glob.One", "package demo.glob; public class One { public static int n() { return 1; } }");
        buildJar(libs.resolve("two.jar"), "demo.glob.Two", "package demo.glob; public class Two { public static int n() { return 2; } }");
        Files.writeString(libs.resolve("readme.txt"), "not a jar");
        DisplayData added = run("%jars " + libs + "/*.jar");
        assertEquals("[" + libs.resolve("one.jar") + ", " + libs.resolve("two.jar") + "]", RecordingOutput.plain(added));
        assertEquals("3", value("demo.glob.One.n() + demo.glob.Two.n()"));
    }

    @Test
    void jarsRejectsAFileThatIsNotAJarNamingIt() throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.writeString(notes, "hello");
        CellError e = failure("%jars " + notes);
        assertEquals("BadMagicArgument", e.ename());
        assertTrue(e.evalue().contains(notes.toString()), e.evalue());
        assertTrue(e.evalue().contains("not a .jar"), e.evalue());
    }

    @Test
    void classpathOfAMissingPathNamesIt() {
        Path missing = dir.resolve("nowhere/missing.jar");
        CellError e = failure("%classpath " + missing);
        assertEquals("BadMagicArgument", e.ename());
        assertEquals(missing + " does not exist", e.evalue());
        CellError glob = failure("%jars " + dir.resolve("empty") + "/*.jar");
        assertEquals("BadMagicArgument", glob.ename());
        assertTrue(glob.evalue().contains("matches no file"), glob.evalue());
    }

    @Test
    void loadRunsAJshScript() throws Exception {
        Path script = dir.resolve("setup.jsh");
        Files.writeString(script, "int loadedFromJsh = 40;\nString who() { return \"jsh\"; }\nSystem.out.println(\"loaded\");\n");
        run("%load " + script);
        assertEquals("loaded\n", out.stdout());
        assertEquals("42", value("loadedFromJsh + 2"));
        assertEquals("jsh", value("who()"));
    }

    @Test
    void loadRunsTheCodeCellsOfANotebook() throws Exception {
        Path nb = dir.resolve("helpers.ipynb");
        Files.writeString(nb, """
                {
                 "cells": [
                  {"cell_type": "markdown", "metadata": {}, "source": ["# Not code\\n", "int ignored = ;"]},
                  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
                   "source": ["int nbA = 20;\\n", "int nbB = 22;"]},
                  {"cell_type": "code", "execution_count": 3, "metadata": {}, "outputs": [],
                   "source": "int nbSum = nbA + nbB;"}
                 ],
                 "metadata": {},
                 "nbformat": 4,
                 "nbformat_minor": 5
                }
                """);
        run("%load " + nb);
        assertEquals("42", value("nbSum"));
    }

    @Test
    void loadOfAMissingFileNamesIt() {
        CellError e = failure("%load " + dir.resolve("absent.jsh"));
        assertEquals("BadMagicArgument", e.ename());
        assertTrue(e.evalue().contains("absent.jsh"), e.evalue());
    }

    @Test
    void timePrintsWallTimeAndReturnsTheValue() throws Exception {
        assertEquals("42", value("%time 6 * 7"));
        assertTrue(out.stdout().startsWith("Wall time: "), out.stdout());
        assertTrue(out.stdout().contains("CPU time: "), out.stdout());

        assertEquals("5050", value("%%time\nint total = 0;\nfor (int i = 1; i <= 100; i++) total += i;\ntotal"));
        assertTrue(out.stdout().startsWith("Wall time: "), out.stdout());
    }

    @Test
    void cellTimeCountsLinesFromTheCellsFirstLine() {
        CellError e = failure("%%time\nint b = 1;\nString t = b;");
        assertEquals("CompilationError", e.ename());
        assertTrue(e.evalue().startsWith("line 3, column 12: "), e.evalue());
    }

    @Test
    void timeOfFailingCodeStillReportsTheError() {
        CellError e = failure("%time Integer.parseInt(\"x\")");
        assertEquals("java.lang.NumberFormatException", e.ename());
    }

    @Test
    void htmlAndMarkdownCellMagicsDisplayTheirMimeType() throws Exception {
        assertNull(run("%%html\n<b>bold</b>\n<i>it</i>"));
        assertEquals(1, out.displays().size());
        assertEquals("<b>bold</b>\n<i>it</i>", out.displays().get(0).get("text/html").getAsString());

        assertNull(run("%%markdown\n# Heading\n*emphasis*"));
        assertEquals(1, out.displays().size());
        assertEquals("# Heading\n*emphasis*", out.displays().get(0).get("text/markdown").getAsString());
    }

    @Test
    void lineMagicBetweenCodeLinesRunsEverythingInOrder() throws Exception {
        assertEquals("3", value("System.out.println(\"one\");\nint partA = 1;\n%time int partB = 2;\n"
                + "System.out.println(\"two\");\npartA + partB"));
        String stdout = out.stdout();
        int one = stdout.indexOf("one\n");
        int time = stdout.indexOf("Wall time: ");
        int two = stdout.indexOf("two\n");
        assertTrue(one >= 0 && time > one && two > time, stdout);
    }

    @Test
    void magicValueAssignedToAVariable() throws Exception {
        Path jar = dir.resolve("value/valued.jar");
        buildJar(jar, "demo.value.Valued", "package demo.value; public class Valued { public static int v() { return 9; } }");
        run("List<String> added = %jars " + jar);
        assertEquals("1", value("added.size()"));
        assertEquals("9", value("demo.value.Valued.v()"));
    }

    @Test
    void splitKeepsQuotedArgumentsTogether() {
        assertEquals(List.of("a", "b c", "d"), Magics.split("  a \"b c\"   d "));
        assertEquals(List.of(""), Magics.split("\"\""));
        assertEquals(List.of(), Magics.split("   "));
    }
}
