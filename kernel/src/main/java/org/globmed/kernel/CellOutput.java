package org.globmed.kernel;

import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/**
 * Where a running cell's output goes: Jupyter's iopub channel in the kernel, the terminal and an
 * executed notebook in {@code globmed run}. Called from any thread.
 */
public interface CellOutput {
    /** Text written to {@code stdout} or {@code stderr}. */
    void stream(String name, String text);

    /** A rich output; {@code update} replaces the output that carries the same display id. */
    void display(DisplayData data, boolean update);

    /** Clears the cell's output, now or ({@code wait}) when the next output arrives. */
    void clear(boolean wait);
}
