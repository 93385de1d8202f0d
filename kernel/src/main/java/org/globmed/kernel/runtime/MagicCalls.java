package org.globmed.kernel.runtime;

import java.util.List;
import org.globmed.kernel.Session;
import org.globmed.kernel.magic.MagicContext;

/**
 * Magics as Java calls, IJava's {@code lineMagic} and {@code cellMagic}. The kernel rewrites a
 * magic used as a value, {@code List<String> jars = %jars lib/*.jar}, into
 * {@code lineMagic("jars", List.of("lib/*.jar"))}; code may also call these directly.
 */
public final class MagicCalls {
    private MagicCalls() {
    }

    /** Runs line magic {@code name} and returns what it returns (cast to what the caller wants). */
    @SuppressWarnings("unchecked")
    public static <T> T lineMagic(String name, List<String> args) throws Exception {
        Session s = Session.current();
        return (T) s.magics().runLine(name, join(args), new MagicContext(s, s.executionCount(), 1, true));
    }

    /** Runs cell magic {@code name} with {@code body} and returns what it returns. */
    @SuppressWarnings("unchecked")
    public static <T> T cellMagic(String name, List<String> args, String body) throws Exception {
        Session s = Session.current();
        return (T) s.magics().runCell(name, join(args), body, new MagicContext(s, s.executionCount(), 1, true));
    }

    private static String join(List<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(a.isEmpty() || a.chars().anyMatch(Character::isWhitespace) ? '"' + a + '"' : a);
        }
        return sb.toString();
    }
}
