package org.globmed.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.globmed.bench.Bench;
import org.globmed.data.GlobMedData;
import org.globmed.data.Item;
import org.globmed.model.LanguageModel;

/**
 * The training examples of a run, tokenised once, and the order they are trained in.
 *
 * <p>An example is an item's evaluation prompt followed by its gold answer and the end token
 * ({@link Bench#example}); the loss falls on the answer and end tokens only unless the config asks
 * for the prompt too.
 *
 * <p><b>Order.</b> Each epoch draws as many examples as there are, language {@code l} with
 * probability {@code p_l ∝ n_l^(1/τ)} (counts by largest remainder, so they add up exactly; a
 * language drawn more often than it has examples cycles through them in a fresh order), shuffles
 * them, then groups them by length: windows of {@value #WINDOW_BATCHES} micro-batches are sorted
 * by length and cut into micro-batches, micro-batches are grouped into optimizer steps, and the
 * steps are shuffled. Batches then hold sequences of similar length (little padding) while the
 * order stays random. Everything is drawn from the run's seed and the epoch number, so a resumed
 * run finds the same order by recomputing it.
 */
final class TrainingData {
    /** Micro-batches per length-sorting window: bigger wastes less padding, smaller is more random. */
    static final int WINDOW_BATCHES = 16;

    /** One tokenised example: {@code ids}, of which the first {@code promptLength} carry no loss. */
    record Example(String language, long[] ids, int promptLength) {
    }

    /** One optimizer step: its micro-batches, each a list of example indices. */
    record Step(int epoch, List<int[]> microBatches) {
        int sequences() {
            return microBatches.stream().mapToInt(b -> b.length).sum();
        }
    }

    final List<Example> examples;
    final Map<String, List<Integer>> byLanguage;
    final int truncated;
    final TrainingConfig config;

    private TrainingData(List<Example> examples, int truncated, TrainingConfig config) {
        this.examples = examples;
        this.truncated = truncated;
        this.config = config;
        Map<String, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < examples.size(); i++) {
            groups.computeIfAbsent(examples.get(i).language(), k -> new ArrayList<>()).add(i);
        }
        this.byLanguage = Collections.unmodifiableMap(groups);
    }

    /** Tokenises every item; the order of {@code items} is kept. */
    static TrainingData prepare(LanguageModel model, GlobMedData items, TrainingConfig config) {
        long end = model.tokenizer().eosTokenId().orElse(-1L);
        List<Example> examples = new ArrayList<>(items.size());
        int truncated = 0;
        for (Item item : items.items()) {
            Bench.Example example = Bench.example(item);
            String prompt = example.prompt();
            if (config.chat) {
                prompt = model.chatPrompt(prompt).orElseThrow(() -> new IllegalArgumentException(
                        "chat(true), but the model's tokenizer has no chat template"));
            }
            LanguageModel.Tokens tokens = model.tokenize(new LanguageModel.Continuation(prompt, example.answer()));
            long[] answer = tokens.continuation();
            if (end >= 0) {
                answer = Arrays.copyOf(answer, answer.length + 1);
                answer[answer.length - 1] = end;
            }
            long[] context = tokens.context();
            int total = context.length + answer.length;
            if (total > config.maxLength) {
                truncated++;
                // The prompt loses its start; an answer longer than the window keeps its beginning.
                int keepAnswer = Math.min(answer.length, config.maxLength - 1);
                int keepContext = config.maxLength - keepAnswer;
                context = Arrays.copyOfRange(context, context.length - keepContext, context.length);
                answer = Arrays.copyOf(answer, keepAnswer);
            }
            long[] ids = Arrays.copyOf(context, context.length + answer.length);
            System.arraycopy(answer, 0, ids, context.length, answer.length);
            examples.add(new Example(item.language(), ids, config.promptLoss ? 1 : context.length));
        }
        return new TrainingData(List.copyOf(examples), truncated, config);
    }

    /** Sampling probability per language: {@code n_l^(1/τ)}, normalised. */
    Map<String, Double> probabilities() {
        Map<String, Double> weights = new LinkedHashMap<>();
        double sum = 0;
        for (Map.Entry<String, List<Integer>> e : byLanguage.entrySet()) {
            double w = Math.pow(e.getValue().size(), 1 / config.languageTemperature);
            weights.put(e.getKey(), w);
            sum += w;
        }
        double total = sum;
        weights.replaceAll((k, w) -> w / total);
        return weights;
    }

    /** Examples per language in one epoch: {@code N·p_l}, rounded by largest remainder to add up to N. */
    Map<String, Integer> quotas() {
        int n = examples.size();
        Map<String, Double> p = probabilities();
        Map<String, Integer> quota = new LinkedHashMap<>();
        List<Map.Entry<String, Double>> remainders = new ArrayList<>();
        int assigned = 0;
        for (Map.Entry<String, Double> e : p.entrySet()) {
            double exact = n * e.getValue();
            int floor = (int) Math.floor(exact);
            quota.put(e.getKey(), floor);
            assigned += floor;
            remainders.add(Map.entry(e.getKey(), exact - floor));
        }
        remainders.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        for (int i = 0; i < n - assigned; i++) {
            quota.merge(remainders.get(i).getKey(), 1, Integer::sum);
        }
        return quota;
    }

    /** Every optimizer step of the run, in order ({@code maxSteps} cuts the list). */
    List<Step> schedule() {
        List<Step> steps = new ArrayList<>();
        Map<String, Integer> quotas = quotas(); // the same every epoch
        for (int epoch = 0; epoch < config.epochs; epoch++) {
            steps.addAll(epoch(epoch, quotas));
            if (config.maxSteps > 0 && steps.size() >= config.maxSteps) {
                return List.copyOf(steps.subList(0, config.maxSteps));
            }
        }
        return List.copyOf(steps);
    }

    private List<Step> epoch(int epoch, Map<String, Integer> quotas) {
        Random random = new Random(config.seed * 1_000_003L + epoch);
        List<Integer> drawn = new ArrayList<>(examples.size());
        for (Map.Entry<String, Integer> q : quotas.entrySet()) {
            List<Integer> pool = new ArrayList<>(byLanguage.get(q.getKey()));
            List<Integer> order = new ArrayList<>();
            while (order.size() < q.getValue()) {
                Collections.shuffle(pool, random);
                order.addAll(pool.subList(0, Math.min(pool.size(), q.getValue() - order.size())));
            }
            drawn.addAll(order);
        }
        Collections.shuffle(drawn, random);
        int window = WINDOW_BATCHES * config.batchSize;
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < drawn.size(); start += window) {
            List<Integer> part = new ArrayList<>(drawn.subList(start, Math.min(drawn.size(), start + window)));
            part.sort(Comparator.comparingInt(i -> examples.get(i).ids().length));
            for (int b = 0; b < part.size(); b += config.batchSize) {
                batches.add(part.subList(b, Math.min(part.size(), b + config.batchSize)).stream()
                        .mapToInt(Integer::intValue).toArray());
            }
        }
        Collections.shuffle(batches, random);
        List<Step> steps = new ArrayList<>();
        for (int start = 0; start < batches.size(); start += config.gradientAccumulation) {
            steps.add(new Step(epoch, List.copyOf(batches.subList(start,
                    Math.min(batches.size(), start + config.gradientAccumulation)))));
        }
        return steps;
    }

    /** Share of each language among the examples the steps train on. */
    Map<String, Double> effectiveMix(List<Step> steps) {
        Map<String, Integer> counts = new TreeMap<>();
        int total = 0;
        for (Step s : steps) {
            for (int[] batch : s.microBatches()) {
                for (int i : batch) {
                    counts.merge(examples.get(i).language(), 1, Integer::sum);
                    total++;
                }
            }
        }
        Map<String, Double> mix = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            mix.put(e.getKey(), e.getValue() / (double) total);
        }
        return mix;
    }
}
