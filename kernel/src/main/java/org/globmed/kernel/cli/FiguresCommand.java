package org.globmed.kernel.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
        Options o;
        List<Figures.Format> formats = new ArrayList<>();
        Figures.Exporter exporter = Figures.exporter();
        try {
            o = Options.parse(args, Set.of("--out", "--data", "--tokenizer", "--formats", "--size", "--scale"), Set.of());
            if (o.positional().isEmpty() || !o.has("--out")) {
                throw new Options.UsageException("one or more RESULTS_DIR and --out are required");
            }
            for (String f : o.list("--formats")) {
                try {
                    formats.add(Figures.Format.valueOf(f.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new Options.UsageException("--formats: '" + f + "' is not html, png or svg");
                }
            }
            if (o.has("--size")) {
                String[] wh = o.text("--size", null).toLowerCase(Locale.ROOT).split("x");
                try {
                    exporter = exporter.size(Integer.parseInt(wh[0].strip()), Integer.parseInt(wh[1].strip()));
                } catch (RuntimeException e) {
                    throw new Options.UsageException("--size: expected WIDTHxHEIGHT in pixels, e.g. 1200x600");
                }
            }
            if (o.has("--scale")) {
                exporter = exporter.scale(o.number("--scale", 1));
            }
        } catch (Options.UsageException e) {
            return usage(e.getMessage());
        }
        List<Path> folders = o.positional().stream().map(Path::of).toList();
        Path target = o.path("--out");
        String data = o.text("--data", null);
        Path tokenizer = o.path("--tokenizer");
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

    private static int usage(String problem) {
        System.err.println("globmed figures: " + problem + "\nusage: globmed " + USAGE);
        return 2;
    }
}
