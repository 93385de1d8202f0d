package org.globmed.kernel.magic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.engine.CellError;

/**
 * The registry of line magics ({@code %name args}, one line) and cell magics ({@code %%name args}
 * on the first line, the rest of the cell as body). Names follow IJava's, so IJava notebooks run
 * unchanged. A magic returns the cell's value, or null for none.
 */
public final class Magics {
    /** A {@code %name args} magic. */
    @FunctionalInterface
    public interface LineMagic {
        Object run(String args, MagicContext context) throws Exception;
    }

    /** A {@code %%name args} magic with the rest of the cell as its body. */
    @FunctionalInterface
    public interface CellMagic {
        Object run(String args, String body, MagicContext context) throws Exception;
    }

    private final Map<String, LineMagic> line = new TreeMap<>();
    private final Map<String, CellMagic> cell = new TreeMap<>();

    /** The built-in magics. */
    public static Magics defaults() {
        Magics m = new Magics();
        ClasspathMagics classpath = new ClasspathMagics();
        m.registerLine("classpath", classpath::classpath);
        m.registerLine("jars", classpath::jars);
        for (String alias : List.of("maven", "addMavenDependency", "addMavenDependencies")) {
            m.registerLine(alias, classpath::maven);
        }
        m.registerLine("mavenRepo", classpath::mavenRepo);
        m.registerLine("addMavenRepo", classpath::mavenRepo);
        m.registerLine("loadFromPOM", classpath::loadFromPomFile);
        m.registerCell("loadFromPOM", classpath::loadFromPom);
        m.registerLine("load", LoadMagic::load);
        m.registerLine("time", TimeMagic::line);
        m.registerCell("time", TimeMagic::cell);
        m.registerCell("html", (args, body, ctx) -> rich(DisplayData::putHTML, body, ctx));
        m.registerCell("markdown", (args, body, ctx) -> rich(DisplayData::putMarkdown, body, ctx));
        m.registerLine("lsmagic", (args, ctx) -> {
            ctx.display(m.listing());
            return null;
        });
        return m;
    }

    private interface Put {
        void put(DisplayData data, String text);
    }

    private static Object rich(Put put, String body, MagicContext context) {
        DisplayData data = new DisplayData(body);
        put.put(data, body);
        context.display(data);
        return null;
    }

    public void registerLine(String name, LineMagic magic) {
        line.put(name, magic);
    }

    public void registerCell(String name, CellMagic magic) {
        cell.put(name, magic);
    }

    public Object runLine(String name, String args, MagicContext context) throws Exception {
        LineMagic magic = line.get(name);
        if (magic == null) {
            throw unknown("%", name, line.keySet());
        }
        return magic.run(args, context);
    }

    public Object runCell(String name, String args, String body, MagicContext context) throws Exception {
        CellMagic magic = cell.get(name);
        if (magic == null) {
            throw unknown("%%", name, cell.keySet());
        }
        return magic.run(args, body, context);
    }

    private static CellError unknown(String prefix, String name, Iterable<String> known) {
        List<String> names = new ArrayList<>();
        known.forEach(n -> names.add(prefix + n));
        return CellError.of("UnknownMagic", prefix + name + " is not a magic; available: " + String.join(" ", names));
    }

    /** What {@code %lsmagic} shows. */
    DisplayData listing() {
        StringBuilder text = new StringBuilder("Line magics:");
        line.keySet().forEach(n -> text.append(" %").append(n));
        text.append("\nCell magics:");
        cell.keySet().forEach(n -> text.append(" %%").append(n));
        return new DisplayData(text.toString());
    }

    /** Splits magic arguments on spaces, keeping "quoted parts" together. */
    public static List<String> split(String args) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : args.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    out.add(current.toString());
                }
                current.setLength(0);
                any = false;
            } else {
                current.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(current.toString());
        }
        return out;
    }
}
