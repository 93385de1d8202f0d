package org.globmed.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.globmed.io.AtomicFiles;

/**
 * Writes a synthetic corpus in the GlobMed layout, {@code <dir>/GlobMed_<Source>/<lang>/{train,test}.json},
 * for scale tests and loading benchmarks: the ten sources, twelve languages, each source in its own
 * native field format, the text made of pseudo-words in each language's script.
 *
 * <h2>Sizes</h2>
 * Entries go to the sources in proportion to the published sizes (MedQA 229k, BioNLI 200k, HeadQA
 * 87.6k, MedMCQA 81.6k, PubMedQA 19.9k, LiveQA 12.5k, MMLU-Pro 12.4k, MedExpQA 11.2k, ExpertQA-Med
 * 10k, ExpertQA-Bio 1.9k; largest remainders, ties to the larger source), then equally to the
 * languages; a source's remainder of {@code count % 12} gives one more train row to its first
 * languages in {@link #LANGUAGES} order. Of each language's share, {@code round(share / 10)} rows
 * are test rows, the rest train rows. The total is exactly the number asked for.
 *
 * <h2>Parallel rows</h2>
 * Row {@code i} of a source's split is the same item in every language: its structure (lengths,
 * gold answer, ids, labels, the "concept" behind every word) comes from a random stream seeded by
 * (seed, source, split, i) only, and each language renders the concepts through its own lexicon,
 * seeded by (seed, language). A file's bytes therefore depend only on (seed, source, language,
 * split) and the counts, so files are written in parallel (one task per file, a pool of the
 * available processors) and each is written to a temporary file and moved into place.
 *
 * <h2>Text</h2>
 * Each language has a lexicon of {@value #VOCABULARY} pseudo-words, drawn once per (seed,
 * language): Latin syllables with the language's letters and diacritics (Spanish á ñ, French é ç,
 * German ä ß, Yoruba ẹ ọ ṣ with tone marks, Hausa ɓ ɗ ƙ ƴ, Swahili and Zulu clusters), Han
 * characters for zh, kanji with hiragana endings, hiragana particles and katakana loanwords for
 * ja, Arabic letters (with the article ال) for ar, Devanagari aksharas with vowel signs for hi.
 * Frequent words are short, as in real text. Words are drawn by a Zipf-Mandelbrot law over rank,
 * P(k) ∝ 1 / (k + 2.7); about one rank in a hundred is a number, identical in every language.
 * Sentences run 6 to 30 words and end with the language's full stop (。 for zh and ja, । for hi),
 * questions with its question mark (？, ؟); options carry no final punctuation and end on a content
 * word (rank 64 or more); zh and ja put no spaces between words.
 *
 * <h2>Lengths (words, log-normal with the given mean and sigma of the log, clamped)</h2>
 * <table>
 * <caption>Length distributions per source</caption>
 * <tr><th>Source</th><th>Fields</th></tr>
 * <tr><td>MedQA</td><td>question 115 (σ 0.35, 20–500); 5 options A–E, 2.5 (σ 0.6, 1–6)</td></tr>
 * <tr><td>MedMCQA</td><td>question 13 (σ 0.55, 3–80); opa–opd 2.5 (σ 0.7, 1–12); exp 70 (σ 0.9, 5–600)</td></tr>
 * <tr><td>HeadQA</td><td>qtext 15 (σ 0.6, 3–120); 4 answers (70%) or 5, 4 (σ 0.7, 1–25)</td></tr>
 * <tr><td>MMLU-Pro</td><td>question 40 (σ 0.8, 5–400); 10 options, 3 (σ 0.7, 1–20); cot_content empty</td></tr>
 * <tr><td>MedExpQA</td><td>full_question 60 (σ 0.5, 10–300); 4 options, 5 (σ 0.6, 1–30); full_answer 200 (σ 0.4, 30–800)</td></tr>
 * <tr><td>PubMedQA</td><td>question 14 (σ 0.4, 4–50); context 200 (σ 0.3, 60–600); long_answer 40 (σ 0.4, 8–150);
 *     final_decision yes 55%, no 34%, maybe 11%</td></tr>
 * <tr><td>BioNLI</td><td>premise 220 (σ 0.3, 60–600); hypothesis 32 (σ 0.4, 6–120); entailment / contradiction 50% each</td></tr>
 * <tr><td>LiveQA</td><td>question 50 (σ 0.8, 5–600); answer 120 (σ 0.8, 10–1500)</td></tr>
 * <tr><td>ExpertQA-Med, -Bio</td><td>question 25 (σ 0.5, 5–150); answer 200 (σ 0.5, 30–1200)</td></tr>
 * </table>
 * Gold answers are uniform over the options. On average an entry is about 1.36 KB of JSON (compact,
 * UTF-8, non-ASCII unescaped; hi about 1.9 times en, zh about 0.75 times); 600,000 entries make
 * 815 MB in 240 files, written in 6 to 9 s on two cores (peak RSS 170 MB).
 *
 * <p>The random numbers come from SplitMix64 and {@link StrictMath}, so the same seed gives the
 * same bytes on every JVM.
 */
final class CorpusGenerator {
    /** The languages written, in the order remainders are handed out. */
    static final List<String> LANGUAGES = List.of("en", "es", "fr", "de", "zh", "ja", "ar", "hi", "sw", "yo", "ha", "zu");
    /** The default corpus size: about the size of GlobMed's ten datasets over twelve languages. */
    static final long DEFAULT_ENTRIES = 600_000;
    static final List<String> SPLITS = List.of("train", "test");
    static final int VOCABULARY = 16_384;

    private static final JsonFactory JSON = new JsonFactory();
    private static final int ZIPF_BITS = 18;
    private static final char[] ZIPF = zipfTable();

    private CorpusGenerator() {
    }

    /**
     * What {@link #generate} wrote.
     *
     * @param entries   rows written, over all files
     * @param files     files written
     * @param bytes     their total size
     * @param perSource rows per source name ("MedQA", ...), in {@link #sources()} order
     */
    record Summary(long entries, int files, long bytes, Map<String, Long> perSource) {
        Summary {
            perSource = Collections.unmodifiableMap(new LinkedHashMap<>(perSource));
        }
    }

    /** The source names, largest first; the folders are {@code GlobMed_<name>}. */
    static List<String> sources() {
        List<String> names = new ArrayList<>();
        for (Source s : Source.values()) {
            names.add(s.label);
        }
        return names;
    }

    /** Writes {@code entries} rows under {@code dir} (created if missing; existing files are replaced). */
    static Summary generate(Path dir, long entries, long seed) throws IOException {
        if (entries < 0) {
            throw new IllegalArgumentException("entries must be 0 or more, not " + entries);
        }
        long[] perSource = apportion(entries);
        Lexicon[] lexicons = new Lexicon[LANGUAGES.size()];
        for (int l = 0; l < lexicons.length; l++) {
            lexicons[l] = new Lexicon(LANGUAGES.get(l), seed);
        }
        List<FileTask> tasks = new ArrayList<>();
        for (Source source : Source.values()) {
            long count = perSource[source.ordinal()];
            long share = count / LANGUAGES.size();
            int extra = (int) (count % LANGUAGES.size());
            long test = (share + 5) / 10;
            long train = share - test;
            for (int l = 0; l < LANGUAGES.size(); l++) {
                Path folder = dir.resolve("GlobMed_" + source.label).resolve(LANGUAGES.get(l));
                long trainRows = train + (l < extra ? 1 : 0);
                // ids continue from train to test, past the extra train row some languages have
                long firstTestId = train + (extra > 0 ? 1 : 0) + 1;
                tasks.add(new FileTask(source, 0, lexicons[l], folder.resolve("train.json"), trainRows, 1, seed));
                tasks.add(new FileTask(source, 1, lexicons[l], folder.resolve("test.json"), test, firstTestId, seed));
            }
        }
        // the biggest files first, so the pool ends together
        tasks.sort(Comparator.comparingDouble(FileTask::weight).reversed());
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), tasks.size()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "globmed-corpus-generator");
            t.setDaemon(true);
            return t;
        });
        long bytes = 0;
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (FileTask task : tasks) {
                futures.add(pool.submit(task::write));
            }
            for (Future<Long> f : futures) {
                bytes += f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the corpus under " + dir, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException u) {
                throw new IOException(u.getMessage(), u.getCause());
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("writing the corpus under " + dir + " failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Source s : Source.values()) {
            counts.put(s.label, perSource[s.ordinal()]);
        }
        return new Summary(entries, tasks.size(), bytes, counts);
    }

    /** {@code java ... org.globmed.data.CorpusGenerator <dir> [entries] [seed]}: writes a corpus and prints its summary. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: CorpusGenerator <dir> [entries, default " + DEFAULT_ENTRIES + "] [seed, default 1]");
            System.exit(2);
        }
        long entries = args.length > 1 ? Long.parseLong(args[1].replace("_", "")) : DEFAULT_ENTRIES;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
        long start = System.nanoTime();
        Summary s = generate(Path.of(args[0]), entries, seed);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%,d entries, %d files, %,d bytes (%.0f bytes/entry) in %.2f s%n%s%n",
                s.entries(), s.files(), s.bytes(), s.entries() == 0 ? 0.0 : (double) s.bytes() / s.entries(),
                seconds, s.perSource());
    }

    /** Rows per source: proportional to the published sizes, largest remainders, ties to the earlier source. */
    static long[] apportion(long entries) {
        Source[] sources = Source.values();
        long total = 0;
        for (Source s : sources) {
            total += s.publishedHundreds;
        }
        long[] counts = new long[sources.length];
        long[] remainders = new long[sources.length];
        long given = 0;
        for (Source s : sources) {
            // exact integer arithmetic: entries * size fits in a long for any sane corpus
            long product = Math.multiplyExact(entries, s.publishedHundreds);
            counts[s.ordinal()] = product / total;
            remainders[s.ordinal()] = product % total;
            given += counts[s.ordinal()];
        }
        Integer[] order = new Integer[sources.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> remainders[a] != remainders[b]
                ? Long.compare(remainders[b], remainders[a]) : Integer.compare(a, b));
        for (int i = 0; given < entries; i++, given++) {
            counts[order[i]]++;
        }
        return counts;
    }

    // ---------------------------------------------------------------------------------------------
    // one file

    private record FileTask(Source source, int split, Lexicon lexicon, Path file, long rows, long firstId, long seed) {
        double weight() {
            return rows * source.meanWords;
        }

        long write() {
            try {
                AtomicFiles.write(file, tmp -> {
                    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
                         JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
                        Text text = new Text(lexicon);
                        long base = mix(mix(seed, source.ordinal() + 1), split + 1);
                        g.writeStartArray();
                        for (long row = 0; row < rows; row++) {
                            Rng r = new Rng(mix(base, row));
                            g.writeStartObject();
                            source.write(g, r, text, firstId + row);
                            g.writeEndObject();
                        }
                        g.writeEndArray();
                    }
                });
                return Files.size(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }
    }


    // ---------------------------------------------------------------------------------------------
    // the sources and their native formats

    /** Log-normal word count with the given mean, clamped to [min, max]. */
    private record Len(double mean, double sigma, int min, int max) {
        int sample(Rng r) {
            double mu = StrictMath.log(mean) - sigma * sigma / 2;
            long n = Math.round(StrictMath.exp(mu + sigma * r.gaussian()));
            return (int) Math.max(min, Math.min(max, n));
        }
    }

    private static final String[] LETTERS = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"};

    private enum Source {
        MEDQA("MedQA", 2290, 133) {
            final Len question = new Len(115, 0.35, 20, 500);
            final Len option = new Len(2.5, 0.6, 1, 6);

            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                t.field(g, "question", r, question.sample(r), Text.QUESTION);
                byte[][] options = new byte[5][];
                for (int i = 0; i < options.length; i++) {
                    options[i] = t.bytes(r, option.sample(r), Text.NONE);
                }
                int gold = r.nextInt(options.length);
                g.writeObjectFieldStart("options");
                for (int i = 0; i < options.length; i++) {
                    g.writeFieldName(LETTERS[i]);
                    g.writeRawUTF8String(options[i], 0, options[i].length);
                }
                g.writeEndObject();
                g.writeStringField("answer_idx", LETTERS[gold]);
                g.writeFieldName("answer");
                g.writeRawUTF8String(options[gold], 0, options[gold].length);
            }
        },
        BIONLI("BioNLI", 2000, 252) {
            final Len premise = new Len(220, 0.3, 60, 600);
            final Len hypothesis = new Len(32, 0.4, 6, 120);

            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                t.field(g, "premise", r, premise.sample(r), Text.PERIOD);
                t.field(g, "hypothesis", r, hypothesis.sample(r), Text.PERIOD);
                g.writeStringField("label", r.nextInt(2) == 0 ? "entailment" : "contradiction");
            }
        },
        HEADQA("HeadQA", 876, 33) {
            final Len question = new Len(15, 0.6, 3, 120);
            final Len option = new Len(4, 0.7, 1, 25);

            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                g.writeNumberField("qid", id);
                t.field(g, "qtext", r, question.sample(r), Text.QUESTION);
                int n = r.nextInt(10) < 7 ? 4 : 5;
                g.writeArrayFieldStart("answers");
                for (int aid = 1; aid <= n; aid++) {
                    g.writeStartObject();
                    g.writeNumberField("aid", aid);
                    t.field(g, "atext", r, option.sample(r), Text.NONE);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeNumberField("ra", 1 + r.nextInt(n));
            }
        },
        MEDMCQA("MedMCQA", 816, 95) {
            final Len question = new Len(13, 0.55, 3, 80);
            final Len option = new Len(2.5, 0.7, 1, 12);
            final Len explanation = new Len(70, 0.9, 5, 600);

            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                g.writeStringField("id", uuid(r.nextLong(), r.nextLong()));
                t.field(g, "question", r, question.sample(r), Text.QUESTION);
                for (String name : new String[] {"opa", "opb", "opc", "opd"}) {
                    t.field(g, name, r, option.sample(r), Text.NONE);
                }
                g.writeNumberField("cop", r.nextInt(4));
                t.field(g, "exp", r, explanation.sample(r), Text.PERIOD);
            }
        },
        PUBMEDQA("PubMedQA", 199, 254) {
            final Len question = new Len(14, 0.4, 4, 50);
            final Len context = new Len(200, 0.3, 60, 600);
            final Len longAnswer = new Len(40, 0.4, 8, 150);

            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                t.field(g, "question", r, question.sample(r), Text.QUESTION);
                t.field(g, "context", r, context.sample(r), Text.PERIOD);
                t.field(g, "long_answer", r, longAnswer.sample(r), Text.PERIOD);
                int d = r.nextInt(100);
                g.writeStringField("final_decision", d < 55 ? "yes" : d < 89 ? "no" : "maybe");
            }
        },
        LIVEQA("LiveQA", 125, 170) {
            final Len question = new Len(50, 0.8, 5, 600);
            final Len answer = new Len(120, 0.8, 10, 1500);

            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                t.field(g, "question", r, question.sample(r), Text.QUESTION);
                t.field(g, "answer", r, answer.sample(r), Text.PERIOD);
            }
        },
        MMLU_PRO("MMLU-Pro", 124, 70) {
            final Len question = new Len(40, 0.8, 5, 400);
            final Len option = new Len(3, 0.7, 1, 20);

            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                g.writeNumberField("question_id", id);
                t.field(g, "question", r, question.sample(r), Text.QUESTION);
                g.writeArrayFieldStart("options");
                for (int i = 0; i < 10; i++) {
                    t.element(g, r, option.sample(r));
                }
                g.writeEndArray();
                int gold = r.nextInt(10);
                g.writeStringField("answer", LETTERS[gold]);
                g.writeNumberField("answer_index", gold);
                g.writeStringField("cot_content", "");
            }
        },
        MEDEXPQA("MedExpQA", 112, 280) {
            final Len question = new Len(60, 0.5, 10, 300);
            final Len option = new Len(5, 0.6, 1, 30);
            final Len explanation = new Len(200, 0.4, 30, 800);

            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                t.field(g, "full_question", r, question.sample(r), Text.QUESTION);
                g.writeObjectFieldStart("options");
                for (int i = 1; i <= 4; i++) {
                    t.field(g, Integer.toString(i), r, option.sample(r), Text.NONE);
                }
                g.writeEndObject();
                g.writeNumberField("correct_option", 1 + r.nextInt(4));
                t.field(g, "full_answer", r, explanation.sample(r), Text.PERIOD);
            }
        },
        EXPERTQA_MED("ExpertQA-Med", 100, 225) {
            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                expert(g, r, t);
            }
        },
        EXPERTQA_BIO("ExpertQA-Bio", 19, 225) {
            @Override
            void write(JsonGenerator g, Rng r, Text t, long id) throws IOException {
                expert(g, r, t);
            }
        };

        private static final Len EXPERT_QUESTION = new Len(25, 0.5, 5, 150);
        private static final Len EXPERT_ANSWER = new Len(200, 0.5, 30, 1200);

        final String label;
        final long publishedHundreds;
        final double meanWords;

        Source(String label, long publishedHundreds, double meanWords) {
            this.label = label;
            this.publishedHundreds = publishedHundreds;
            this.meanWords = meanWords;
        }

        /** Writes one row's fields; {@code id} is the row's number within the source, from 1. */
        abstract void write(JsonGenerator g, Rng r, Text t, long id) throws IOException;

        static void expert(JsonGenerator g, Rng r, Text t) throws IOException {
            t.field(g, "question", r, EXPERT_QUESTION.sample(r), Text.QUESTION);
            t.field(g, "answer", r, EXPERT_ANSWER.sample(r), Text.PERIOD);
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static String uuid(long hi, long lo) {
        char[] c = new char[36];
        int p = 0;
        for (int i = 0; i < 32; i++) {
            if (i == 8 || i == 12 || i == 16 || i == 20) {
                c[p++] = '-';
            }
            long v = i < 16 ? hi >>> (60 - 4 * i) : lo >>> (60 - 4 * (i - 16));
            c[p++] = HEX[(int) (v & 15)];
        }
        return new String(c);
    }

    // ---------------------------------------------------------------------------------------------
    // text: concepts drawn from the row's stream, rendered by the language's lexicon

    /**
     * Renders word sequences in one language, straight to UTF-8: the lexicon's words are encoded
     * once, and none of them contains a character JSON would escape, so the bytes go out with
     * {@link JsonGenerator#writeRawUTF8String}. One per file, not thread-safe.
     */
    private static final class Text {
        static final int NONE = 0;
        static final int PERIOD = 1;
        static final int QUESTION = 2;
        private static final byte SPACE = ' ';
        private static final int CONTENT_RANK = 64;

        private final Lexicon lex;
        private byte[] buf = new byte[1 << 14];
        private int len;

        Text(Lexicon lex) {
            this.lex = lex;
        }

        void field(JsonGenerator g, String name, Rng r, int words, int ending) throws IOException {
            g.writeFieldName(name);
            render(r, words, ending);
            g.writeRawUTF8String(buf, 0, len);
        }

        void element(JsonGenerator g, Rng r, int words) throws IOException {
            render(r, words, NONE);
            g.writeRawUTF8String(buf, 0, len);
        }

        /** The rendered text as UTF-8 bytes of its own, to be written more than once. */
        byte[] bytes(Rng r, int words, int ending) {
            render(r, words, ending);
            return Arrays.copyOf(buf, len);
        }

        /**
         * Fills {@code buf} with {@code words} words. Every random draw here is made whatever the
         * language, so all languages stay on the same stream.
         */
        private void render(Rng r, int words, int ending) {
            len = 0;
            int left = sentenceLength(r);
            boolean start = true;
            for (int w = 0; w < words; w++) {
                int k = ZIPF[(int) (r.nextLong() >>> (64 - ZIPF_BITS))];
                if (ending == NONE && w == words - 1 && k < CONTENT_RANK) {
                    // an option ends on a content word, not on "the" or "を"
                    k += CONTENT_RANK;
                }
                if (!start && lex.spaced) {
                    put(SPACE);
                }
                lex.copy(this, start ? 2 * k + 1 : 2 * k);
                start = false;
                if (w == words - 1) {
                    if (ending == PERIOD) {
                        put(lex.period);
                    } else if (ending == QUESTION) {
                        put(lex.questionMark);
                    }
                } else if (--left <= 0 && words - w > 4) {
                    // a new sentence, unless it would be a stub of three words or fewer
                    put(lex.period);
                    if (lex.spaced) {
                        put(SPACE);
                    }
                    start = true;
                    left = sentenceLength(r);
                } else if (r.nextInt(14) == 0) {
                    put(lex.comma);
                }
            }
        }

        private void put(byte[] word) {
            put(word, 0, word.length);
        }

        private void put(byte[] src, int from, int n) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(len + n, buf.length * 2));
            }
            // words are a few bytes: a plain loop beats System.arraycopy's set-up
            byte[] b = buf;
            for (int i = 0; i < n; i++) {
                b[len + i] = src[from + i];
            }
            len += n;
        }

        private void put(byte b) {
            if (len == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[len++] = b;
        }

        private static int sentenceLength(Rng r) {
            return 6 + r.nextInt(13) + r.nextInt(13);
        }
    }

    /** The word-rank table: a uniform {@value #ZIPF_BITS}-bit number to a rank, P(k) ∝ 1 / (k + 2.7). */
    private static char[] zipfTable() {
        double[] cumulative = new double[VOCABULARY];
        double sum = 0;
        for (int k = 0; k < VOCABULARY; k++) {
            sum += 1.0 / (k + 2.7);
            cumulative[k] = sum;
        }
        char[] table = new char[1 << ZIPF_BITS];
        int k = 0;
        for (int u = 0; u < table.length; u++) {
            double target = (u + 0.5) / table.length * sum;
            while (cumulative[k] < target) {
                k++;
            }
            table[u] = (char) k;
        }
        return table;
    }

    // ---------------------------------------------------------------------------------------------
    // lexicons

    /**
     * One language's pseudo-words by rank, lower-case and sentence-initial, and its punctuation. The
     * words sit in one UTF-8 array, frequent ones first, so the hot ones share cache lines: word
     * {@code 2k} is rank k in lower case, {@code 2k + 1} sentence-initial, from {@code start[w]} to
     * {@code start[w + 1]}.
     */
    private static final class Lexicon {
        final boolean spaced;
        final byte[] period;
        final byte[] questionMark;
        final byte[] comma;
        private final byte[] words;
        private final int[] start = new int[2 * VOCABULARY + 1];

        Lexicon(String code, long seed) {
            Rng r = new Rng(mix(mix(seed, 0x6c657869636f6eL), code.hashCode()));
            switch (code) {
                case "zh" -> {
                    spaced = false;
                    period = utf8("。");
                    questionMark = utf8("？");
                    comma = utf8("，");
                }
                case "ja" -> {
                    spaced = false;
                    period = utf8("。");
                    questionMark = utf8("？");
                    comma = utf8("、");
                }
                case "ar" -> {
                    spaced = true;
                    period = utf8(".");
                    questionMark = utf8("؟");
                    comma = utf8("،");
                }
                case "hi" -> {
                    spaced = true;
                    period = utf8("।");
                    questionMark = utf8("?");
                    comma = utf8(",");
                }
                default -> {
                    spaced = true;
                    period = utf8(".");
                    questionMark = utf8("?");
                    comma = utf8(",");
                }
            }
            Script script = Script.of(code);
            String[] hanPool = code.equals("zh") || code.equals("ja") ? hanPool(r, code.equals("zh") ? 3500 : 2000) : null;
            StringBuilder sb = new StringBuilder();
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream(VOCABULARY * 24);
            for (int k = 0; k < VOCABULARY; k++) {
                byte[] lower;
                byte[] capital;
                if (k >= 100 && k % 97 == 13) {
                    // numbers read the same in every language
                    lower = capital = utf8(number(new Rng(mix(seed, k))));
                } else {
                    sb.setLength(0);
                    script.word(sb, r, k, hanPool);
                    String word = sb.toString();
                    lower = utf8(word);
                    capital = utf8(capitalize(word));
                }
                all.writeBytes(lower);
                start[2 * k + 1] = all.size();
                all.writeBytes(capital);
                start[2 * k + 2] = all.size();
            }
            words = all.toByteArray();
        }

        /** Appends word {@code w} (see the class comment) to {@code text}. */
        void copy(Text text, int w) {
            text.put(words, start[w], start[w + 1] - start[w]);
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        private static String capitalize(String w) {
            int first = w.codePointAt(0);
            int upper = Character.toTitleCase(first);
            if (upper == first) {
                return w;
            }
            return new StringBuilder(w.length()).appendCodePoint(upper).append(w, Character.charCount(first), w.length())
                    .toString();
        }

        private static String number(Rng r) {
            return switch (r.nextInt(4)) {
                case 0 -> Integer.toString(1 + r.nextInt(99));
                case 1 -> Integer.toString(100 + r.nextInt(900));
                case 2 -> (1 + r.nextInt(20)) + "." + r.nextInt(10);
                default -> (90 + r.nextInt(90)) + "/" + (50 + r.nextInt(60));
            };
        }

        private static String[] hanPool(Rng r, int size) {
            String[] pool = new String[size];
            for (int i = 0; i < size; i++) {
                pool[i] = new String(Character.toChars(0x4E00 + r.nextInt(0x9FA5 - 0x4E00 + 1)));
            }
            return pool;
        }
    }

    /** How a language builds a word of a given rank. */
    private interface Script {
        void word(StringBuilder sb, Rng r, int rank, String[] hanPool);

        static Script of(String code) {
            return switch (code) {
                case "zh" -> CorpusGenerator::chineseWord;
                case "ja" -> CorpusGenerator::japaneseWord;
                case "ar" -> CorpusGenerator::arabicWord;
                case "hi" -> CorpusGenerator::hindiWord;
                default -> Latin.of(code);
            };
        }
    }

    /** Syllables (onset, nucleus, optional coda) from the language's letters; longer words at rarer ranks. */
    private record Latin(String[] onsets, String[] nuclei, String[] codas, double codaChance, int maxSyllables)
            implements Script {
        static Latin of(String code) {
            return switch (code) {
                case "en" -> new Latin(
                        w("b c d f g h k l m n p r s t v w y th ch sh st pr tr br cl gr pl sp"),
                        w("a e i o u a e i o ea ou io ia ie y"),
                        w("n r s t l m d st nt ng x ck ss"), 0.45, 4);
                case "es" -> new Latin(
                        w("b c d f g l m n p r s t v ll ch qu br tr pr ñ j z rr"),
                        w("a e i o u a e o á é í ó ú ue ia io ió ü"),
                        w("n s l r z d"), 0.3, 4);
                case "fr" -> new Latin(
                        w("b c d f g j l m n p r s t v ch qu pr tr gr ç pl"),
                        w("a e i o u é è ê à ou ai eu oi au ô î û é e"),
                        w("n s t r x nt l"), 0.35, 4);
                case "de" -> new Latin(
                        w("b d f g h k l m n p r s t w z sch st sp pf kr tr gr"),
                        w("a e i o u ä ö ü ei au ie eu e a"),
                        w("n r s t ch ß ng nd rt lt ck tz"), 0.55, 6);
                case "sw" -> new Latin(
                        w("b ch d f g h j k l m n p s t v w y z mb nd ng ny sh ng' kw"),
                        w("a e i o u a i"),
                        w("-"), 0.0, 5);
                case "yo" -> new Latin(
                        w("b d f g gb h j k l m n p r s ṣ t w y"),
                        w("a e ẹ i o ọ u à á è é ẹ̀ ẹ́ ì í ò ó ọ̀ ọ́ ù ú a o"),
                        w("n"), 0.15, 4);
                case "ha" -> new Latin(
                        w("b ɓ c d ɗ f g h j k ƙ l m n r s sh t ts w y ƴ z"),
                        w("a e i o u aa ii uu ai au a"),
                        w("n r m k"), 0.25, 4);
                case "zu" -> new Latin(
                        w("b d f g h hl dl j k kh l m n ng nk mb nd p ph s sh t th v w y z c q x"),
                        w("a e i o u a i"),
                        w("-"), 0.0, 6);
                default -> throw new IllegalArgumentException("no script for language " + code);
            };
        }

        private static String[] w(String spaceSeparated) {
            String[] parts = spaceSeparated.split(" ");
            for (int i = 0; i < parts.length; i++) {
                if (parts[i].equals("-")) {
                    parts[i] = "";
                }
            }
            return parts;
        }

        @Override
        public void word(StringBuilder sb, Rng r, int rank, String[] hanPool) {
            int syllables = rank < 40 ? 1 : rank < 800 ? 1 + r.nextInt(2) + (r.nextInt(3) == 0 ? 1 : 0)
                    : 2 + r.nextInt(maxSyllables - 1);
            for (int s = 0; s < syllables; s++) {
                if (s > 0 || rank >= 40 || r.nextInt(3) > 0) {
                    sb.append(onsets[r.nextInt(onsets.length)]);
                }
                sb.append(nuclei[r.nextInt(nuclei.length)]);
                if (r.nextDouble() < codaChance) {
                    sb.append(codas[r.nextInt(codas.length)]);
                }
            }
        }
    }

    private static void chineseWord(StringBuilder sb, Rng r, int rank, String[] han) {
        // frequent words are one character from the commonest part of the pool; terms run to four
        int chars = rank < 60 ? 1 : rank < 2000 ? 1 + (r.nextInt(10) < 9 ? 1 : 0) : 2 + (r.nextInt(2) == 0 ? 1 : 0)
                + (r.nextInt(6) == 0 ? 1 : 0);
        for (int i = 0; i < chars; i++) {
            int limit = rank < 60 ? 200 : han.length;
            sb.append(han[r.nextInt(limit)]);
        }
    }

    private static final String HIRAGANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞだでどばびぶべぼぱぴぷぺぽ";
    private static final String KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワンガギグゲゴザジズゼゾダデドバビブベボパピプペポ";
    private static final String[] PARTICLES = {"の", "は", "を", "に", "が", "で", "と", "も", "へ", "から", "まで", "より", "や", "など", "する", "した", "ある", "いる", "され", "こと"};

    private static void japaneseWord(StringBuilder sb, Rng r, int rank, String[] kanji) {
        if (rank < PARTICLES.length) {
            sb.append(PARTICLES[rank]);
            return;
        }
        if (r.nextInt(100) < 15) {
            // a katakana loanword, sometimes with a long vowel
            int n = 3 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                sb.append(KATAKANA.charAt(r.nextInt(KATAKANA.length())));
                if (i > 0 && i < n - 1 && r.nextInt(6) == 0) {
                    sb.append('ー');
                }
            }
            return;
        }
        int stems = 1 + (r.nextInt(10) < 7 ? 1 : 0) + (rank > 2000 && r.nextInt(3) == 0 ? 1 : 0);
        for (int i = 0; i < stems; i++) {
            sb.append(kanji[r.nextInt(kanji.length)]);
        }
        int kana = r.nextInt(3);
        for (int i = 0; i < kana; i++) {
            sb.append(HIRAGANA.charAt(r.nextInt(HIRAGANA.length())));
        }
    }

    private static final String ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي" + "اليونمرت";
    private static final String[] ARABIC_SHORT = {"في", "من", "على", "إلى", "أن", "عن", "مع", "هذا", "التي", "الذي", "أو", "ما", "لا", "هو", "هي", "كان", "بين", "عند"};

    private static void arabicWord(StringBuilder sb, Rng r, int rank, String[] unused) {
        if (rank < ARABIC_SHORT.length) {
            sb.append(ARABIC_SHORT[rank]);
            return;
        }
        int d = r.nextInt(10);
        if (d < 3) {
            sb.append("ال");
        } else if (d == 3) {
            sb.append('و');
        } else if (d == 4) {
            sb.append('ب');
        }
        int letters = 3 + r.nextInt(3) + (rank > 1000 && r.nextInt(2) == 0 ? 1 : 0);
        for (int i = 0; i < letters; i++) {
            sb.append(ARABIC.charAt(r.nextInt(ARABIC.length())));
        }
        if (r.nextInt(6) == 0) {
            sb.append('ة');
        }
    }

    private static final String[] HINDI_SHORT = {"है", "के", "में", "की", "और", "से", "का", "को", "पर", "यह", "एक", "हैं", "भी", "या", "तो", "कि", "लिए", "नहीं"};
    private static final String DEVANAGARI_CONSONANTS = "कखगघचछजझटठडढणतथदधनपफबभमयरलवशषसहकतनमरसल";
    private static final String DEVANAGARI_VOWEL_SIGNS = "ािीुूेैोौ";

    private static void hindiWord(StringBuilder sb, Rng r, int rank, String[] unused) {
        if (rank < HINDI_SHORT.length) {
            sb.append(HINDI_SHORT[rank]);
            return;
        }
        int aksharas = 2 + r.nextInt(2) + (rank > 1000 && r.nextInt(2) == 0 ? 1 : 0);
        for (int i = 0; i < aksharas; i++) {
            sb.append(DEVANAGARI_CONSONANTS.charAt(r.nextInt(DEVANAGARI_CONSONANTS.length())));
            int v = r.nextInt(12);
            if (v == 0 && i < aksharas - 1) {
                // a conjunct: virama and a second consonant
                sb.append('\u094D').append(DEVANAGARI_CONSONANTS.charAt(r.nextInt(DEVANAGARI_CONSONANTS.length())));
            }
            if (v < DEVANAGARI_VOWEL_SIGNS.length()) {
                sb.append(DEVANAGARI_VOWEL_SIGNS.charAt(v));
            }
            if (r.nextInt(10) == 0) {
                sb.append('\u0902');
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // random numbers: SplitMix64, so the stream is the same on every JVM

    static long mix(long a, long b) {
        return finish(a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L);
    }

    private static long finish(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static final class Rng {
        private long state;

        Rng(long seed) {
            state = seed;
        }

        long nextLong() {
            state += 0x9E3779B97F4A7C15L;
            return finish(state);
        }

        /** Uniform in [0, bound), bound small: the multiply-high method (bias under 2^-32). */
        int nextInt(int bound) {
            return (int) (((nextLong() >>> 32) * bound) >>> 32);
        }

        double nextDouble() {
            return (nextLong() >>> 11) * 0x1.0p-53;
        }

        /** A standard normal by Box-Muller (one of the pair). */
        double gaussian() {
            double u = 1.0 - nextDouble();
            double v = nextDouble();
            return StrictMath.sqrt(-2 * StrictMath.log(u)) * StrictMath.cos(2 * Math.PI * v);
        }
    }
}
