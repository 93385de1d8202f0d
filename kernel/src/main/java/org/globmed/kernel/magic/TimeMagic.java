package org.globmed.kernel.magic;

import java.util.Locale;

/** {@code %time CODE} and {@code %%time}: wall time (and CPU time of the cell thread) of the code. */
final class TimeMagic {
    private TimeMagic() {
    }

    static Object line(String code, MagicContext context) throws Exception {
        return timed(code, context.line(), context);
    }

    static Object cell(String args, String body, MagicContext context) throws Exception {
        return timed(body, context.line() + 1, context); // the body starts on the next line
    }

    private static Object timed(String code, int line, MagicContext context) throws Exception {
        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = bean.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        try {
            return context.eval(code, line);
        } finally {
            long wall = System.nanoTime() - t0;
            long cpu = bean.getCurrentThreadCpuTime() - cpu0;
            System.out.flush();
            System.out.println(String.format(Locale.ROOT, "Wall time: %s, CPU time: %s", human(wall), human(cpu)));
        }
    }

    static String human(long nanos) {
        if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%.0f µs", nanos / 1e3);
        }
        if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
