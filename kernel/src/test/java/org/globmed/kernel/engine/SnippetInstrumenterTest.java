package org.globmed.kernel.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** The bytecode rewrite on its own: a class compiled here, instrumented, loaded and run. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnippetInstrumenterTest {
    private static final String SOURCE = """
            package victim;

            import java.util.concurrent.CountDownLatch;

            public class Victim {
                public static int initialised = 0;

                static {
                    for (int i = 0; i < 3; i++) {
                        initialised++;
                    }
                }

                public static void exit() { System.exit(3); }

                public static void runtimeExit() { Runtime.getRuntime().exit(4); }

                public static void halt() { Runtime.getRuntime().halt(5); }

                public static int sum(int n) {
                    int s = 0;
                    for (int i = 1; i <= n; i++) {
                        s += i;
                    }
                    return s;
                }

                public static int sumUntil(int limit) {
                    int s = 0;
                    int i = 0;
                    do {
                        s += i++;
                    } while (s < limit);
                    return s;
                }

                public static long spin(CountDownLatch started) {
                    started.countDown();
                    long n = 0;
                    while (true) {
                        n++;
                    }
                }

                public static void spinCatchingEverything(CountDownLatch started) {
                    started.countDown();
                    while (true) {
                        try {
                            while (true) { }
                        } catch (Throwable ignored) {
                        }
                    }
                }

                // Calls itself twice down to depth 200: 2^200 calls, no loop, and never more than
                // 200 frames, so only a method-entry checkpoint can stop it (an unbounded recursion
                // could overflow the stack before the stop request arrived).
                public static void recurse(CountDownLatch started, int depth) {
                    if (depth == 0) {
                        started.countDown();
                    }
                    if (depth < 200) {
                        recurse(started, depth + 1);
                        recurse(started, depth + 1);
                    }
                }

                public int instanceLoop(int times) {
                    int k = 0;
                    while (k < times) {
                        k++;
                    }
                    return k;
                }
            }
            """;

    private byte[] original;
    private byte[] instrumented;
    private Class<?> victim;

    @BeforeAll
    void compileAndLoad(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("victim/Victim.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, SOURCE);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests need a JDK");
        assertEquals(0, javac.run(null, null, null, "-d", dir.toString(), src.toString()));
        original = Files.readAllBytes(dir.resolve("victim/Victim.class"));
        instrumented = SnippetInstrumenter.instrument(original);
        victim = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (!name.equals("victim.Victim")) {
                    throw new ClassNotFoundException(name);
                }
                return defineClass(name, instrumented, 0, instrumented.length);
            }
        }.loadClass("victim.Victim");
        assertEquals(ClassLoader.class, victim.getClassLoader().getClass().getSuperclass(), "loaded from the bytes here");
    }

    @AfterEach
    void clearStop() {
        CellGuard.clearStop();
    }

    private Object call(String name, Class<?>[] types, Object... args) throws Throwable {
        Method m = victim.getMethod(name, types);
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Object call(String name) throws Throwable {
        return call(name, new Class<?>[0]);
    }

    /** Owner.name of every method call in {@code method} of {@code bytes}. */
    private static List<String> callsIn(byte[] bytes, String method) {
        List<String> calls = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                if (!name.equals(method)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                        calls.add(owner + "." + n);
                    }
                };
            }
        }, 0);
        return calls;
    }

    @Test
    void exitCallsAreRedirectedToTheGuard() {
        String guard = "org/globmed/kernel/engine/CellGuard";
        assertTrue(callsIn(original, "exit").contains("java/lang/System.exit"));
        assertEquals(List.of(guard + ".checkpoint", guard + ".exit"), callsIn(instrumented, "exit"));
        assertFalse(callsIn(instrumented, "runtimeExit").contains("java/lang/Runtime.exit"));
        assertFalse(callsIn(instrumented, "halt").contains("java/lang/Runtime.halt"));
    }

    @Test
    void systemExitThrowsCellExitException() {
        CellGuard.CellExitException e = assertThrows(CellGuard.CellExitException.class, () -> call("exit"));
        assertEquals(3, e.status());
        assertTrue(e.getMessage().contains("System.exit(3)"), e.getMessage());
    }

    @Test
    void runtimeExitAndHaltThrowCellExitException() {
        assertEquals(4, assertThrows(CellGuard.CellExitException.class, () -> call("runtimeExit")).status());
        assertEquals(5, assertThrows(CellGuard.CellExitException.class, () -> call("halt")).status());
    }

    @Test
    void checkpointsAtMethodEntryAndBackwardJumpsOnly() {
        String checkpoint = "org/globmed/kernel/engine/CellGuard.checkpoint";
        // sum: one loop -> entry + one backward jump.
        assertEquals(2, callsIn(instrumented, "sum").stream().filter(checkpoint::equals).count());
        assertEquals(0, callsIn(original, "sum").stream().filter(checkpoint::equals).count());
        // The static initialiser is left alone: an interrupted <clinit> would break the class for good.
        assertFalse(callsIn(instrumented, "<clinit>").contains(checkpoint));
    }

    @Test
    void instrumentedCodeComputesTheSameResults() throws Throwable {
        assertEquals(3, victim.getField("initialised").getInt(null));
        assertEquals(5050, call("sum", new Class<?>[]{int.class}, 100));
        assertEquals(0, call("sum", new Class<?>[]{int.class}, 0));
        assertEquals(10, call("sumUntil", new Class<?>[]{int.class}, 10));
        Object instance = victim.getConstructor().newInstance();
        assertEquals(9, victim.getMethod("instanceLoop", int.class).invoke(instance, 9));
    }

    @Test
    void requestedStopThrowsAtTheNextCheckpoint() {
        CellGuard.requestStop();
        assertThrows(CellGuard.CellInterruptedError.class, () -> call("sum", new Class<?>[]{int.class}, 3));
        CellGuard.clearStop();
        assertThrows(CellGuard.CellExitException.class, () -> call("exit"), "after clearStop, code runs again");
    }

    /** Runs a never-ending method on a thread, requests a stop once it runs, returns what ended it. */
    private Throwable stopWhileRunning(String method, Class<?>[] types, Object... rest) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Object[] args = new Object[rest.length + 1];
        args[0] = started;
        System.arraycopy(rest, 0, args, 1, rest.length);
        Thread t = new Thread(() -> {
            try {
                call(method, types, args);
            } catch (Throwable e) {
                ended.set(e);
            }
        }, "victim-" + method);
        t.setDaemon(true);
        t.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        CellGuard.requestStop();
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(t.isAlive(), method + " did not stop");
        return ended.get();
    }

    @Test
    void infiniteLoopStopsAfterRequestStop() throws Exception {
        assertInstanceOf(CellGuard.CellInterruptedError.class,
                stopWhileRunning("spin", new Class<?>[]{CountDownLatch.class}));
    }

    @Test
    void loopThatCatchesThrowableStillStops() throws Exception {
        assertInstanceOf(CellGuard.CellInterruptedError.class,
                stopWhileRunning("spinCatchingEverything", new Class<?>[]{CountDownLatch.class}));
    }

    @Test
    void endlessRecursionStopsAtMethodEntry() throws Exception {
        assertInstanceOf(CellGuard.CellInterruptedError.class,
                stopWhileRunning("recurse", new Class<?>[]{CountDownLatch.class, int.class}, 0));
    }
}
