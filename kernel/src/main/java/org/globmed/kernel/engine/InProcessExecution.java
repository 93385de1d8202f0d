package org.globmed.kernel.engine;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * JShell execution in the kernel's own JVM (as IJava does), so that values stay real objects the
 * renderers can draw, and a cell costs no round trip to another process. It keeps the last value
 * and the last thrown object of each call, which JShell itself only hands back as strings.
 */
final class InProcessExecution extends DirectExecutionControl {
    private final SnippetLoader loader;
    private volatile Object lastValue;
    private volatile Throwable lastThrown;

    InProcessExecution(SnippetLoader loader) {
        super(loader);
        this.loader = loader;
    }

    static ExecutionControlProvider provider(InProcessExecution control) {
        return new ExecutionControlProvider() {
            @Override
            public String name() {
                return "globmed-in-process";
            }

            @Override
            public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                return control;
            }
        };
    }

    SnippetLoader loader() {
        return loader;
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        lastValue = null;
        lastThrown = null;
        CellGuard.enterUserCode();
        try {
            Object value = doitMethod.invoke(null);
            lastValue = value;
            return valueString(value); // calls the value's toString(): user code too
        } catch (InvocationTargetException e) {
            lastThrown = e.getCause();
            throw e;
        } finally {
            CellGuard.leaveUserCode();
        }
    }

    /** The object the last snippet evaluated to, or null. */
    Object takeValue() {
        Object v = lastValue;
        lastValue = null;
        return v;
    }

    /** The throwable the last snippet threw, or null. */
    Throwable takeThrown() {
        Throwable t = lastThrown;
        lastThrown = null;
        return t;
    }

    @Override
    public void stop() {
        // Interrupts go through JavaEngine.interrupt(), which knows the cell thread.
    }
}
