package org.globmed.kernel.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.globmed.data.GlobMed;
import org.globmed.data.GlobMedData;
import org.globmed.plot.Figures;
import org.globmed.plot.Plots;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * {@code globmed figures}: the standard set of figures of evaluation result folders and training
 * run folders, each as HTML, PNG and SVG.
 * <pre>
 * globmed figures RESULTS_DIR... --out DIR [--data DIR|sample] [--tokenizer tokenizer.json]
 *                 [--formats html,png,svg] [--size WIDTHxHEIGHT] [--scale S]
 * </pre>
 * A RESULTS_DIR is a {@code globmed evaluate --out} folder, a training run folder (train-log.csv,
 * dev-log.csv, before/, after/), or a folder holding such folders. {@code --data} adds the
 * dataset's composition and item lengths; {@code --tokenizer} adds accuracy against tokenizer
 * fertility (measured on {@code --data}, else on the bundled sample).
 */
final class FiguresCommand {
    static final String USAGE = "figures RESULTS_DIR... --out DIR [--data DIR|sample] [--tokenizer tokenizer.json]"
            + " [--formats html,png,svg] [--size WIDTHxHEIGHT] [--scale S]";

    private FiguresCommand() {
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        List<Path> folders = new ArrayList<>();
        Path target = null;
        String data = null;
        Path tokenizer = null;
        List<Figures.Format> formats = new ArrayList<>();
        Figures.Exporter exporter = Figures.exporter();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                folders.add(Path.of(a));
                continue;
            }
            if (i + 1 >= args.size()) {
                return usage();
            }
            String v = args.get(++i);
            switch (a) {
                case "--out" -> target = Path.of(v);
                case "--data" -> data = v;
                case "--tokenizer" -> tokenizer = Path.of(v);
                case "--formats" -> {
                    for (String f : v.split(",")) {
                        try {
                            formats.add(Figures.Format.valueOf(f.strip().toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("--formats: '" + f + "' is not html, png or svg");
                        }
                    }
                }
                case "--size" -> {
                    String[] wh = v.toLowerCase(Locale.ROOT).split("x");
                    if (wh.length != 2) {
                        throw new IllegalArgumentException("--size: expected WIDTHxHEIGHT in pixels, e.g. 1200x600");
                    }
                    exporter = exporter.size(Integer.parseInt(wh[0].strip()), Integer.parseInt(wh[1].strip()));
                }
                case "--scale" -> exporter = exporter.scale(Double.parseDouble(v));
                default -> {
                    return usage();
                }
            }
        }
        if (folders.isEmpty() || target == null) {
            return usage();
        }
        GlobMedData dataset = null;
        if (data != null) {
            dataset = data.equals("sample") ? GlobMed.load() : GlobMed.loader().load(Path.of(data));
        }
        Table fertility = null;
        if (tokenizer != null) {
            GlobMedData text = dataset;
            if (text == null) {
                text = GlobMed.load();
                out.println("fertility measured on the bundled sample (give --data DIR for your data)");
            }
            fertility = text.fertility(tokenizer);
        }
        long start = System.nanoTime();
        Map<String, Figure> figures = Plots.options().standardSet(folders, dataset, fertility);
        List<Path> written;
        try {
            written = exporter.saveAll(figures, target, formats.toArray(Figures.Format[]::new));
        } catch (IllegalStateException e) {
            System.err.println("globmed figures: " + e.getMessage());
            return 1;
        }
        for (Path p : written) {
            out.println(p);
        }
        out.printf(Locale.ROOT, "%d figures, %d files -> %s in %.1f s%n", figures.size(), written.size(), target,
                (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private static int usage() {
        System.err.println("usage: globmed " + USAGE);
        return 2;
    }
}
