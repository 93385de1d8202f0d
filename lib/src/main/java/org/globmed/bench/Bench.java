package org.globmed.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.globmed.data.GlobMedData;
import org.globmed.data.Item;
import org.globmed.data.Languages;
import org.globmed.model.Completion;
import org.globmed.model.Generation;
import org.globmed.model.LanguageModel;
import org.globmed.model.LogLikelihood;

/**
 * GlobMed-Bench: evaluates a model on GlobMed items, per language, the way lm-evaluation-harness
 * scores multiple choice, with every prompt recorded and every result cached as it is produced.
 *
 * <pre>{@code
 * Results r = Bench.evaluate(model, GlobMed.load());                    // test split, zero-shot
 * Results r = Bench.builder().model(model).shots(3).cache(Path.of("runs/qwen3"))
 *         .evaluate(GlobMed.load().languages("sw", "yo", "en"));
 * r.report()                                                            // per-language accuracy, CIs, gaps
 * }</pre>
 *
 * <p>Choice tasks (MCQ, yes/no/maybe, NLI) are scored by log-likelihood, one request per option,
 * giving acc (sum), acc_norm (per character) and acc_bytes (per UTF-8 byte); a backend that
 * cannot score answers them generatively and the answer is extracted from the text. Open and
 * long-form questions are generated and scored with token F1 and ROUGE-L.
 */
public final class Bench {
    /** Items per unit of work: results are cached and progress reported after each. */
    static final int CHUNK_ITEMS = 32;

    private Bench() {
    }

    /** The test split of {@code data}, zero-shot, scored by log-likelihood, without a cache. */
    public static Results evaluate(LanguageModel model, GlobMedData data) {
        return builder().model(model).evaluate(data);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An item's zero-shot prompt and the continuation a model should give it. */
    public record Example(String prompt, String answer) {
    }

    /**
     * The prompt {@code item} is evaluated with (zero-shot, options lettered) and its gold answer
     * as the continuation that evaluation scores (" B") or, for open tasks, the reference text:
     * what fine-tuning trains on, so a model learns exactly what it is then asked.
     */
    public static Example example(Item item) {
        Prompts.Built built = new Prompts(Prompts.Choices.LETTERS, Bench::localWord).build(item, List.of());
        String answer = item.task().isChoice() ? built.continuations().get(item.goldIndex()) : " " + item.goldText();
        return new Example(built.context(), answer);
    }

    /** How an evaluation runs; everything has a default but the model. */
    public static final class Builder {
        private Backend backend;
        private LanguageModel model;
        private int shots;
        private long seed = 1234;
        private boolean generative;
        private boolean chat;
        private Prompts.Choices choices = Prompts.Choices.LETTERS;
        private int batchSize = LanguageModel.DEFAULT_BATCH_SIZE;
        private int maxNewTokens = 32;
        private int maxNewTokensOpen = 128;
        private String split = "test";
        private Path cache;
        private Consumer<Progress> progress;

        private Builder() {
        }

        /** Evaluates the project's DJL model, in process. */
        public Builder model(LanguageModel model) {
            this.model = model;
            this.backend = null;
            return this;
        }

        /** Evaluates any backend: an HTTP endpoint, or one of your own. */
        public Builder backend(Backend backend) {
            this.backend = backend;
            this.model = null;
            return this;
        }

        /** Solved examples before each item, drawn from the train split of its language and source (default 0). */
        public Builder shots(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("shots must be 0 or more, not " + k);
            }
            this.shots = k;
            return this;
        }

        /** The seed of the shots' draw (default 1234). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Answer choice items by generating and extracting the answer, instead of scoring options. */
        public Builder generative(boolean generative) {
            this.generative = generative;
            return this;
        }

        /** Wrap each prompt in the model's chat template as a user message (when it has one). */
        public Builder chat(boolean chat) {
            this.chat = chat;
            return this;
        }

        /** Score the options' texts instead of their letters (acc_norm then differs from acc). */
        public Builder scoreOptionTexts(boolean texts) {
            this.choices = texts ? Prompts.Choices.TEXT : Prompts.Choices.LETTERS;
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, not " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** The split evaluated (default "test"). */
        public Builder split(String split) {
            this.split = split;
            return this;
        }

        /** A folder that keeps every result as it is produced; a later run with it resumes. */
        public Builder cache(Path folder) {
            this.cache = folder;
            return this;
        }

        /** Where progress goes (default: {@link Progress#defaultSink()}). */
        public Builder progress(Consumer<Progress> listener) {
            this.progress = listener;
            return this;
        }

        public Results evaluate(GlobMedData data) {
            if (backend == null && model == null) {
                throw new IllegalStateException("evaluate needs model(...) or backend(...) first");
            }
            Backend using = model != null ? new ModelBackend(model, model.toString(), batchSize) : backend;
            try {
                return new Run(this, using, data).run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** One evaluation. */
    private static final class Run {
        private final Builder b;
        private final Backend backend;
        private final GlobMedData data;
        private final Languages registry;
        private final Prompts prompts;
        private final Map<String, List<Item>> train = new HashMap<>();
        private String fingerprint;
        private final String settings;

        Run(Builder b, Backend backend, GlobMedData data) {
            this.b = b;
            this.backend = backend;
            this.data = data;
            this.registry = data.registry();
            this.prompts = new Prompts(b.choices, Bench::localWord);
            this.settings = "shots=" + b.shots + ",seed=" + b.seed + ",choices=" + b.choices + ",chat=" + b.chat
                    + ",generative=" + b.generative + ",max=" + b.maxNewTokens + "/" + b.maxNewTokensOpen;
        }

        Results run() throws IOException {
            List<Item> items = data.splits(b.split).items();
            if (items.isEmpty()) {
                throw new IllegalArgumentException("nothing to evaluate: the selection has no items in split '" + b.split
                        + "' (it has " + data.size() + " items in other splits)");
            }
            if (b.shots > 0) {
                for (Item t : data.splits("train").items()) {
                    train.computeIfAbsent(t.language() + "/" + t.source(), k -> new ArrayList<>()).add(t);
                }
            }
            fingerprint = backend.fingerprint(); // once: for a DJL model it reads every weight
            Consumer<Progress> progress = b.progress != null ? b.progress : Progress.defaultSink();
            String label = backend.name();
            List<Planned> plans = new ArrayList<>(items.size());
            for (Item item : items) {
                plans.add(plan(item));
            }
            ItemResult[] results = new ItemResult[plans.size()];
            long start = System.nanoTime();
            int cached = 0;
            try (ResultCache cache = b.cache == null ? null : ResultCache.open(b.cache)) {
                List<Integer> todo = new ArrayList<>();
                for (int i = 0; i < plans.size(); i++) {
                    ItemResult hit = cache == null ? null : cache.get(plans.get(i).key);
                    if (hit != null) {
                        results[i] = hit;
                        cached++;
                    } else {
                        todo.add(i);
                    }
                }
                // Longest prompts first, as lm-evaluation-harness orders requests: a chunk then holds
                // prompts of similar length and its batches waste little padding. Length in UTF-8
                // bytes, which follows token counts across scripts better than characters do (a
                // Devanagari character is three bytes, and one to three tokens). Results keep item order.
                int[] bytes = new int[plans.size()];
                for (int i : todo) {
                    bytes[i] = plans.get(i).context.getBytes(StandardCharsets.UTF_8).length;
                }
                todo.sort(java.util.Comparator.comparingInt((Integer i) -> -bytes[i]));
                int done = cached;
                progress.accept(new Progress(label, done, plans.size(), cached, Duration.ZERO));
                for (int from = 0; from < todo.size(); from += CHUNK_ITEMS) {
                    List<Integer> chunk = todo.subList(from, Math.min(todo.size(), from + CHUNK_ITEMS));
                    List<ItemResult> computed = compute(chunk.stream().map(plans::get).toList());
                    List<ResultCache.Line> lines = new ArrayList<>();
                    for (int k = 0; k < chunk.size(); k++) {
                        results[chunk.get(k)] = computed.get(k);
                        if (!computed.get(k).failed()) { // a failed item is tried again next time
                            lines.add(new ResultCache.Line(plans.get(chunk.get(k)).key, computed.get(k)));
                        }
                    }
                    if (cache != null) {
                        cache.putAll(lines);
                    }
                    done += chunk.size();
                    progress.accept(new Progress(label, done, plans.size(), cached,
                            Duration.ofNanos(System.nanoTime() - start)));
                }
            }
            return new Results(List.of(results), registry, backend.name(), settings, cached);
        }

        /** An item with its prompt and the key its result is cached under. */
        private record Planned(Item item, Prompts.Built prompt, String context, String key, boolean scored) {
        }

        private Planned plan(Item item) {
            Prompts.Built built = prompts.build(item, shotsFor(item));
            boolean scored = item.task().isChoice() && !b.generative && backend.scores();
            String context = built.context();
            if (b.chat) {
                context = backend.renderChat(context).orElse(context);
            }
            String key = digest(fingerprint, settings, scored ? "ll" : "gen", context,
                    String.join("\u0001", built.continuations()), item.id(), String.valueOf(item.goldIndex()),
                    String.valueOf(item.goldText()));
            return new Planned(item, built, context, key, scored);
        }

        private List<Item> shotsFor(Item item) {
            if (b.shots == 0) {
                return List.of();
            }
            List<Item> pool = train.getOrDefault(item.language() + "/" + item.source(), List.of());
            if (pool.size() < b.shots) {
                throw new IllegalArgumentException(b.shots + "-shot prompts need " + b.shots + " train items of "
                        + item.source() + " in '" + item.language() + "'; the data has " + pool.size());
            }
            // Seeded per item, so an item's shots do not depend on which other items are evaluated.
            Random random = new Random(b.seed ^ item.id().hashCode());
            List<Item> copy = new ArrayList<>(pool);
            copy.removeIf(s -> s.id().equals(item.id()));
            java.util.Collections.shuffle(copy, random);
            return copy.subList(0, b.shots);
        }

        private List<ItemResult> compute(List<Planned> chunk) {
            List<Planned> scored = new ArrayList<>();
            List<Planned> generated = new ArrayList<>();
            for (Planned p : chunk) {
                (p.scored ? scored : generated).add(p);
            }
            Map<Planned, ItemResult> out = new HashMap<>();
            if (!scored.isEmpty()) {
                score(scored, out);
            }
            if (!generated.isEmpty()) {
                generate(generated, out);
            }
            return chunk.stream().map(out::get).toList();
        }

        private void score(List<Planned> items, Map<Planned, ItemResult> out) {
            List<LanguageModel.Continuation> requests = new ArrayList<>();
            for (Planned p : items) {
                for (String c : p.prompt.continuations()) {
                    requests.add(new LanguageModel.Continuation(p.context, c));
                }
            }
            long start = System.nanoTime();
            List<LogLikelihood> scores;
            try {
                scores = backend.logLikelihood(requests);
            } catch (RuntimeException e) {
                for (Planned p : items) {
                    out.put(p, failed(p, ItemResult.LOGLIKELIHOOD, e));
                }
                return;
            }
            double latency = (System.nanoTime() - start) / 1e6 / items.size();
            int at = 0;
            for (Planned p : items) {
                int n = p.prompt.continuations().size();
                List<LogLikelihood> mine = scores.subList(at, at + n);
                at += n;
                out.put(p, scoredResult(p, mine, latency));
            }
        }

        private ItemResult scoredResult(Planned p, List<LogLikelihood> scores, double latency) {
            Item item = p.item;
            int best = 0;
            int bestNorm = 0;
            int bestBytes = 0;
            List<Double> sums = new ArrayList<>();
            for (int i = 0; i < scores.size(); i++) {
                LogLikelihood s = scores.get(i);
                sums.add(s.logProb());
                if (s.logProb() > scores.get(best).logProb()) {
                    best = i;
                }
                if (perChar(s) > perChar(scores.get(bestNorm))) {
                    bestNorm = i;
                }
                if (perByte(s) > perByte(scores.get(bestBytes))) {
                    bestBytes = i;
                }
            }
            double second = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < sums.size(); i++) {
                if (i != best) {
                    second = Math.max(second, sums.get(i));
                }
            }
            double margin = sums.size() > 1 ? sums.get(best) - second : Double.NaN;
            String prediction = p.prompt.labels().get(best);
            return new ItemResult(item.id(), item.language(), tier(item), item.source(), item.task(),
                    ItemResult.LOGLIKELIHOOD, item.goldLabel(), prediction, best == item.goldIndex(),
                    bestNorm == item.goldIndex(), bestBytes == item.goldIndex(), p.prompt.labels(), sums, margin,
                    false, null, null, p.context, null, latency, null);
        }

        private static double perChar(LogLikelihood s) {
            return s.logProb() / Math.max(1, s.characters());
        }

        private static double perByte(LogLikelihood s) {
            return s.logProb() / Math.max(1, s.bytes());
        }

        private void generate(List<Planned> items, Map<Planned, ItemResult> out) {
            // Choice answers are short; open answers get room. Each kind is one batch of requests.
            List<Planned> choice = items.stream().filter(p -> p.item.task().isChoice()).toList();
            List<Planned> open = items.stream().filter(p -> !p.item.task().isChoice()).toList();
            generateBatch(choice, Generation.greedy(b.maxNewTokens).withStop("\n\n"), out);
            generateBatch(open, Generation.greedy(b.maxNewTokensOpen).withStop("\n\n"), out);
        }

        private void generateBatch(List<Planned> items, Generation generation, Map<Planned, ItemResult> out) {
            if (items.isEmpty()) {
                return;
            }
            long start = System.nanoTime();
            List<Completion> completions;
            try {
                // With chat, the context is already the rendered chat prompt; it is continued as text.
                completions = backend.generate(items.stream().map(Planned::context).toList(), generation, false);
            } catch (RuntimeException e) {
                for (Planned p : items) {
                    out.put(p, failed(p, ItemResult.GENERATE, e));
                }
                return;
            }
            double latency = (System.nanoTime() - start) / 1e6 / items.size();
            for (int i = 0; i < items.size(); i++) {
                out.put(items.get(i), generatedResult(items.get(i), completions.get(i).text(), latency));
            }
        }

        private ItemResult generatedResult(Planned p, String text, double latency) {
            Item item = p.item;
            if (item.task().isChoice()) {
                String label = AnswerExtractor.defaults().extract(item, text).orElse(null);
                boolean right = label != null && label.equals(item.goldLabel());
                return new ItemResult(item.id(), item.language(), tier(item), item.source(), item.task(),
                        ItemResult.GENERATE, item.goldLabel(), label, right, null, null, p.prompt.labels(), List.of(),
                        Double.NaN, label == null, null, null, p.context, text, latency, null);
            }
            String answer = text.strip();
            double f1 = TextMetrics.tokenF1(answer, item.goldText(), item.language());
            double rouge = TextMetrics.rougeL(answer, item.goldText(), item.language());
            return new ItemResult(item.id(), item.language(), tier(item), item.source(), item.task(),
                    ItemResult.GENERATE, item.goldText(), answer, false, null, null, List.of(), List.of(), Double.NaN,
                    false, f1, rouge, p.context, text, latency, null);
        }

        private ItemResult failed(Planned p, String mode, RuntimeException e) {
            Item item = p.item;
            return new ItemResult(item.id(), item.language(), tier(item), item.source(), item.task(), mode,
                    item.task().isChoice() ? item.goldLabel() : item.goldText(), null, false, null, null,
                    p.prompt.labels(), List.of(), Double.NaN, false, null, null, p.context, null, 0,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }

        private String tier(Item item) {
            return registry.get(item.language()).tier().name();
        }
    }

    /** An option label ("yes", "entailment") in a language: the first word the answer lists give, else the label. */
    static String localWord(String language, String label) {
        List<String> words = AnswerExtractor.defaults().words(language, label);
        return words.isEmpty() ? label : words.get(0);
    }

    static String digest(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
