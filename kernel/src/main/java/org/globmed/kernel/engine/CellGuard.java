package org.globmed.kernel.engine;

/**
 * Runtime checks that {@link SnippetInstrumenter} weaves into every class compiled from a cell.
 *
 * <p>Public only because instrumented snippet classes call it from another class loader; it is
 * not part of the user API. A loop or method entry in cell code calls {@link #checkpoint()},
 * which throws once an interrupt was requested, so {@code while (true) {}} stops on every Java
 * version (Thread.stop is gone from Java 20 on). Calls to {@code System.exit},
 * {@code Runtime.exit} and {@code Runtime.halt} in cell code are redirected here and become an
 * error in that cell instead of ending the kernel.
 */
public final class CellGuard {
    private static volatile boolean stopRequested;
    /** True while the cell thread runs a snippet's code, false while JShell compiles. */
    private static volatile boolean inUserCode;

    private CellGuard() {
    }

    /** Throws {@link CellInterruptedError} when the running cell was asked to stop. */
    public static void checkpoint() {
        if (stopRequested) {
            throw new CellInterruptedError();
        }
    }

    /** Replaces {@code System.exit(status)} in cell code. */
    public static void exit(int status) {
        throw new CellExitException(status);
    }

    /** Replaces {@code Runtime.getRuntime().exit(status)} and {@code halt(status)} in cell code. */
    public static void exit(Runtime runtime, int status) {
        throw new CellExitException(status);
    }

    static void requestStop() {
        stopRequested = true;
    }

    static void clearStop() {
        stopRequested = false;
    }

    static boolean stopRequested() {
        return stopRequested;
    }

    static void enterUserCode() {
        inUserCode = true;
    }

    static void leaveUserCode() {
        inUserCode = false;
    }

    /**
     * Whether snippet code (or a library it called) runs now. Thread.stop is only safe there:
     * stopping javac inside JShell leaves the compiler broken for every later cell.
     */
    static boolean inUserCode() {
        return inUserCode;
    }

    /**
     * Thrown inside cell code after an interrupt. An Error, so that {@code catch (Exception e)}
     * in user code does not swallow it; a {@code catch (Throwable t)} that swallows it is met by
     * the next checkpoint.
     */
    public static final class CellInterruptedError extends Error {
        CellInterruptedError() {
            super("cell interrupted", null, false, false);
        }
    }

    /**
     * What {@code System.exit(status)} in a cell throws. An Error, like the real call never
     * returns: a {@code catch (Exception e)} around it must not let the cell run on.
     */
    public static final class CellExitException extends Error {
        private final int status;

        CellExitException(int status) {
            super("System.exit(" + status + ") was called in a cell; the kernel keeps running."
                    + " Restart the kernel to start afresh.");
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
