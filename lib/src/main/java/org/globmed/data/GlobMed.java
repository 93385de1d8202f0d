package org.globmed.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * GlobMed in one call: the bundled sample or a local copy of the ten GlobMed datasets, validated,
 * as items and Tablesaw tables.
 *
 * <pre>{@code
 * GlobMedData sample = GlobMed.load();                         // the bundled sample (data/)
 * GlobMedData medqa = GlobMed.load(Path.of("globmed"));        // <root>/GlobMed_<Source>/<lang>/<split>.json
 * GlobMedData test = GlobMed.loader().languages("sw", "yo").splits("test").lenient().load(root);
 * test.summary();    test.table();    test.report();
 * LoadReport r = GlobMed.loader().forEach(root, item -> count(item));   // stream, no table
 * }</pre>
 *
 * A strict load (the default) stops at the first problem with an {@link InvalidDataException}
 * naming the file, line, record and field; a lenient load keeps the good records and lists every
 * problem in its {@link LoadReport}.
 */
public final class GlobMed {
    /** Entries of {@link #generate}'s default corpus: about GlobMed's size. */
    public static final long DEFAULT_ENTRIES = 600_000;
    private static final String SAMPLE = "sample-data/README.md";

    private GlobMed() {
    }

    /** The bundled sample: 12 languages, three sources, train and test, parallel across languages. */
    public static GlobMedData load() {
        try {
            return loader().load(sample());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled sample: " + e.getMessage(), e);
        }
    }

    /** A local copy in the published layout: a root of {@code GlobMed_<Source>} folders, one dataset, one language or one file. */
    public static GlobMedData load(Path path) throws IOException {
        return loader().load(path);
    }

    /** Options: filters, lenient mode, field mappings, a language registry. */
    public static Loader loader() {
        return new Loader();
    }

    /**
     * The folder of the bundled sample. Inside a jar it is a path of a zip file system, which
     * every method here reads like a folder.
     */
    public static synchronized Path sample() {
        URL url = GlobMed.class.getResource(SAMPLE);
        if (url == null) {
            throw new IllegalStateException("the bundled sample is missing from the class path (expected resource "
                    + GlobMed.class.getPackageName().replace('.', '/') + "/" + SAMPLE + ")");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                try {
                    FileSystems.getFileSystem(uri);
                } catch (FileSystemNotFoundException e) {
                    FileSystems.newFileSystem(uri, Map.of());
                }
            }
            return Path.of(uri).getParent();
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot open the bundled sample at " + url + ": " + e, e);
        }
    }

    /**
     * Writes a synthetic corpus in the GlobMed layout: the ten sources, 12 languages, each source
     * in its own field format with realistic lengths, deterministic for a seed. For benchmarks and
     * scale tests, not for study: the text is made-up words. Returns what was written.
     */
    public static String generate(Path dir, long entries, long seed) throws IOException {
        CorpusGenerator.Summary s = CorpusGenerator.generate(dir, entries, seed);
        return String.format(Locale.ROOT, "%,d entries in %,d files (%,.0f MB) under %s", s.entries(), s.files(),
                s.bytes() / 1e6, dir);
    }

    /** Writes the bundled sample (what {@link #load()} reads) to {@code dir}, from its facts and templates. */
    public static String writeSample(Path dir) throws IOException {
        SampleCorpus.Summary s = SampleCorpus.write(dir);
        return String.format(Locale.ROOT, "%,d items (%d languages, %d sources) under %s", s.total(),
                SampleCorpus.LANGUAGES.size(), SampleCorpus.SOURCES.size(), dir);
    }

    /** How to load: filters by source, language, split and task; strict or lenient; field mappings. */
    public static final class Loader {
        /** Files read ahead per loading thread (see {@link #read}). */
        private static final int READ_AHEAD = 8;
        private final Set<String> sources = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        private final Set<String> languages = new TreeSet<>();
        private final Set<String> splits = new TreeSet<>();
        private final EnumSet<Task> tasks = EnumSet.noneOf(Task.class);
        private final Map<String, FieldMapping> mappings = new HashMap<>();
        private Languages registry = Languages.defaults();
        private boolean lenient;
        private int threads = Math.min(4, Runtime.getRuntime().availableProcessors());

        private Loader() {
        }

        /** Only these sources ("MedQA" or "GlobMed_MedQA"). */
        public Loader sources(String... names) {
            for (String n : names) {
                sources.add(n.startsWith(Layout.PREFIX) ? n.substring(Layout.PREFIX.length()) : n);
            }
            return this;
        }

        /** Only these languages (ISO codes of the registry). */
        public Loader languages(String... codes) {
            languages.addAll(Arrays.asList(codes));
            return this;
        }

        /** Only these splits ("train", "test", ...). */
        public Loader splits(String... names) {
            splits.addAll(Arrays.asList(names));
            return this;
        }

        /** Only these tasks. */
        public Loader tasks(Task... tasks) {
            this.tasks.addAll(Arrays.asList(tasks));
            return this;
        }

        /** Keep the good records and report the rest, instead of stopping at the first problem. */
        public Loader lenient() {
            return lenient(true);
        }

        public Loader lenient(boolean lenient) {
            this.lenient = lenient;
            return this;
        }

        /** Read {@code source}'s records with this mapping instead of detecting their variant. */
        public Loader mapping(String source, FieldMapping mapping) {
            mappings.put(source.startsWith(Layout.PREFIX) ? source.substring(Layout.PREFIX.length()) : source,
                    mapping);
            return this;
        }

        /** The language registry that names languages and gives their tiers (default: {@link Languages#defaults()}). */
        public Loader registry(Languages registry) {
            this.registry = registry;
            return this;
        }

        /** Files read at once (default: the processors, at most 4). */
        public Loader threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, not " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** The bundled sample, with these options. */
        public GlobMedData load() throws IOException {
            return load(sample());
        }

        /** Reads everything under {@code path} into a table. */
        public GlobMedData load(Path path) throws IOException {
            ItemTable table = new ItemTable(registry);
            ItemTable.prepare();
            LoadReport report = read(path, table::append);
            return new GlobMedData(table.table(), registry, report);
        }

        /**
         * Streams the items under {@code path} to {@code action} in file order without building a
         * table, for corpora larger than memory or one-pass statistics.
         */
        public LoadReport forEach(Path path, Consumer<? super Item> action) throws IOException {
            return read(path, (items, rows) -> {
                for (int r : rows) {
                    action.accept(items.item(r));
                }
            });
        }

        /** Reads the files under {@code path} and hands each file's kept rows to {@code sink}, in file order. */
        private LoadReport read(Path path, BiConsumer<FileItems, int[]> sink) throws IOException {
            Layout.Found found = Layout.find(path);
            Run run = new Run(sink);
            for (Problem p : found.problems()) {
                run.problem(p);
            }
            List<SplitFile> files = selected(found.files());
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, files.size())),
                    r -> {
                        Thread t = new Thread(r, "globmed-load");
                        t.setDaemon(true);
                        return t;
                    });
            Map<String, String> groups = new ConcurrentHashMap<>();
            try {
                Deque<Future<SplitReader.Result>> window = new ArrayDeque<>();
                int next = 0;
                while (next < files.size() || !window.isEmpty()) {
                    // Read ahead in parallel, but hand results over in file order, so the order of
                    // items, the first error of a strict load and the report never vary. Eight files
                    // per thread: with two, threads that had finished the files after a large one
                    // waited for it (loading GlobMed took about 8% longer); sixteen gained nothing.
                    while (next < files.size() && window.size() < READ_AHEAD * threads) {
                        SplitFile file = files.get(next++);
                        window.add(pool.submit(() -> SplitReader.read(file, mappings::get, groups)));
                    }
                    run.accept(window.poll().get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("loading " + path + " was interrupted");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                throw new IOException(cause.getMessage(), cause);
            } finally {
                pool.shutdownNow();
            }
            return run.report(files.size());
        }

        private List<SplitFile> selected(List<SplitFile> files) {
            languages.forEach(registry::get); // an unknown code fails with the known ones
            check("source", sources, files.stream().map(SplitFile::source).toList());
            check("language", languages, files.stream().map(SplitFile::language).toList());
            check("split", splits, files.stream().map(SplitFile::split).toList());
            return files.stream()
                    .filter(f -> sources.isEmpty() || sources.contains(f.source()))
                    .filter(f -> languages.isEmpty() || languages.contains(f.language()))
                    .filter(f -> splits.isEmpty() || splits.contains(f.split()))
                    .toList();
        }

        private static void check(String what, Set<String> wanted, List<String> found) {
            Set<String> available = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            available.addAll(found);
            for (String w : wanted) {
                if (!available.contains(w)) {
                    throw new IllegalArgumentException("no " + what + " '" + w + "' in the data; found " + available);
                }
            }
        }

        /** One load's bookkeeping: counts, problems, duplicate ids; strict mode throws here. */
        private final class Run {
            private final BiConsumer<FileItems, int[]> sink;
            private final List<Problem> problems = new ArrayList<>();
            private final Map<String, Integer> firstFileOfId = new HashMap<>();
            private final List<String> fileNames = new ArrayList<>();
            private long seen;
            private long loaded;
            private long skipped;
            private long filtered;

            Run(BiConsumer<FileItems, int[]> sink) {
                this.sink = sink;
            }

            void accept(SplitReader.Result result) {
                SplitFile file = result.file();
                seen += result.seen();
                if (!registry.contains(file.language())) {
                    skipped += result.seen();
                    problem(new Problem(file.name(), 0, -1, null, "is in an unknown language folder '"
                            + file.language() + "'; expected an ISO code of the language registry " + known()
                            + " (add languages with Languages.with(file)); its " + result.seen()
                            + " records were skipped"));
                    return;
                }
                result.problems().forEach(this::problem);
                skipped += result.skipped();
                Integer fileNumber = fileNames.size();
                fileNames.add(file.name());
                FileItems items = result.items();
                int[] kept = new int[items.size()];
                int n = 0;
                for (int r = 0; r < items.size(); r++) {
                    if (!tasks.isEmpty() && !tasks.contains(items.task(r))) {
                        filtered++;
                        continue;
                    }
                    // Only the data's own ids can repeat; ids made from source/lang/split/index cannot.
                    Integer first = items.ownId(r) ? firstFileOfId.putIfAbsent(items.id(r), fileNumber) : null;
                    if (first != null) {
                        skipped++;
                        problem(new Problem(file.name(), items.line(r), items.index(r), null, "duplicate id '"
                                + items.id(r) + "', first seen in " + fileNames.get(first)
                                + "; expected ids unique within a source and language"));
                        continue;
                    }
                    kept[n++] = r;
                }
                loaded += n;
                sink.accept(items, n == kept.length ? kept : Arrays.copyOf(kept, n));
            }

            void problem(Problem p) {
                if (!lenient) {
                    throw new InvalidDataException(p);
                }
                problems.add(p);
            }

            LoadReport report(int files) {
                return new LoadReport(files, seen, loaded, skipped, filtered, problems);
            }

            private String known() {
                List<String> codes = registry.all().stream().map(Language::code).toList();
                return codes.size() <= 30 ? codes.toString() : codes.size() + " languages";
            }
        }
    }
}
