package org.globmed.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.globmed.data.Task;
import org.globmed.model.Generation;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Results in EleutherAI lm-evaluation-harness's file formats, so that the tools that read the
 * harness's output (its table printer, leaderboards, the Hugging Face {@code datasets} loader)
 * read GlobMed-Bench runs, and so that published harness outputs of other models can be read back
 * and analysed with this library.
 *
 * <pre>{@code
 * HarnessFormat.Output out = HarnessFormat.write(results,
 *         HarnessFormat.RunInfo.of("Qwen/Qwen3-1.7B", "pretrained=Qwen/Qwen3-1.7B").withFewshot(5), dir);
 * Table metrics = HarnessFormat.readResults(out.results());       // task, group, metric, filter, value, stderr, n
 * List<ItemResult> items = HarnessFormat.readSamples(dir);         // every samples_<task>_<date>.jsonl
 * }</pre>
 *
 * <h2>Tasks and groups</h2>
 * One harness task per (source, language), named {@code globmed_<source>_<lang>} (lower case,
 * every character other than a-z and 0-9 becomes {@code _}: MMLU-Pro in Swahili is
 * {@code globmed_mmlu_pro_sw}); group {@code globmed_<lang>} holds the tasks of a language and
 * group {@code globmed} the language groups. Items scored by log-likelihood make a
 * {@code multiple_choice} task with {@code acc}, {@code acc_norm} and {@code acc_bytes} (the harness's
 * own metric names); generated items make a {@code generate_until} task whose {@code acc} is the
 * accuracy of the extracted answer (for open questions: its exact match), plus {@code f1} and
 * {@code rougeL} for open and long-form questions. Every task reports {@code acc}, so the groups
 * aggregate it over choice and open tasks alike. All metrics use the filter {@code none}. An item
 * that failed (an {@link ItemResult#error()}) counts as wrong: 0 for every metric of its task.
 *
 * <h2>Statistics, as the harness computes them</h2>
 * A task's metric is the mean over its items and its stderr the harness's {@code mean_stderr}: the
 * sample standard deviation (n&nbsp;&minus;&nbsp;1) over &radic;n, {@code "N/A"} for a single item.
 * A group's metric is the size-weighted mean over the leaf tasks that report it and its stderr the
 * harness's {@code pooled_sample_stderr} over those tasks (not over the subgroups), {@code "N/A"} when
 * any of them is {@code "N/A"}; as in lm-evaluation-harness 0.4 after its group refactor.
 *
 * <h2>Samples</h2>
 * {@code samples_<task>_<date>.jsonl}, one line per item in input order ({@code doc_id} counts
 * from 0), with {@code doc} = the item's id, source, language, tier, task, option labels and gold.
 * A choice item scored by log-likelihood has one request per option, context = the prompt and
 * continuation = {@code " "} + the option's label (how the harness's letter-choice tasks such as
 * MMLU ask); its responses are {@code [loglikelihood, is_greedy]} as the strings the harness writes.
 * Whether a continuation is the greedy one is not recorded, so {@code is_greedy} is always
 * {@code "False"}. What the harness's shape has no place for (the extracted prediction, invalid,
 * latency, error, mode) is kept under the extra key {@code "globmed"}, so a GlobMed file reads back
 * to the same {@link ItemResult}s.
 */
public final class HarnessFormat {
    /** The version of these task definitions, written where the harness writes a task's version. */
    static final double TASK_VERSION = 1.0;
    static final String FILTER = "none";
    static final String ROOT_GROUP = "globmed";
    /** Metrics in the order they are written; a task reports those its items have. */
    static final List<String> METRICS = List.of("acc", "acc_norm", "acc_bytes", "f1", "rougeL");
    static final String MULTIPLE_CHOICE = "multiple_choice";
    static final String GENERATE_UNTIL = "generate_until";
    /** The harness's default, written because a stderr is reported (it computes mean stderrs in closed form). */
    private static final int BOOTSTRAP_ITERS = 100_000;
    /** The samples key of what the harness's shape has no place for. */
    static final String EXTRA = "globmed";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    // Python's json writes NaN and Infinity; accept them back.
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    static final Pattern SAMPLES_FILE =
            Pattern.compile("samples_(.+)_(\\d{4}-\\d{2}-\\d{2}T[0-9.\\-]+)\\.jsonl");

    private HarnessFormat() {
    }

    /**
     * What a run was: written to the results file's {@code config} and top level.
     *
     * @param model      the model's name ({@code config.model} and {@code model_name})
     * @param modelArgs  the model arguments as the harness's {@code key=value,...} string
     * @param numFewshot shots per prompt (every task's {@code num_fewshot})
     * @param batchSize  the batch size
     * @param seed       the seed of shot selection and sampling
     * @param date       when the run started; also names the files
     * @param elapsed    the run's wall time, or null when unknown
     * @param generation the decoding of generated answers, or null when nothing was generated
     * @param gitHash    the code version that ran, or null when unknown
     */
    public record RunInfo(String model, String modelArgs, int numFewshot, int batchSize, long seed, Instant date,
                          Duration elapsed, Generation generation, String gitHash) {
        public RunInfo {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(date, "date");
            modelArgs = modelArgs == null ? "" : modelArgs;
            if (numFewshot < 0) {
                throw new IllegalArgumentException("numFewshot must be 0 or more, not " + numFewshot);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be 1 or more, not " + batchSize);
            }
        }

        /** Zero-shot, batch size 1, seed 1234 (the harness's default), started now. */
        public static RunInfo of(String model, String modelArgs) {
            return new RunInfo(model, modelArgs, 0, 1, 1234, Instant.now(), null, null, null);
        }

        public RunInfo withFewshot(int numFewshot) {
            return new RunInfo(model, modelArgs, numFewshot, batchSize, seed, date, elapsed, generation, gitHash);
        }

        public RunInfo withBatchSize(int batchSize) {
            return new RunInfo(model, modelArgs, numFewshot, batchSize, seed, date, elapsed, generation, gitHash);
        }

        public RunInfo withSeed(long seed) {
            return new RunInfo(model, modelArgs, numFewshot, batchSize, seed, date, elapsed, generation, gitHash);
        }

        public RunInfo withDate(Instant date) {
            return new RunInfo(model, modelArgs, numFewshot, batchSize, seed, date, elapsed, generation, gitHash);
        }

        public RunInfo withElapsed(Duration elapsed) {
            return new RunInfo(model, modelArgs, numFewshot, batchSize, seed, date, elapsed, generation, gitHash);
        }

        public RunInfo withGeneration(Generation generation) {
            return new RunInfo(model, modelArgs, numFewshot, batchSize, seed, date, elapsed, generation, gitHash);
        }

        public RunInfo withGitHash(String gitHash) {
            return new RunInfo(model, modelArgs, numFewshot, batchSize, seed, date, elapsed, generation, gitHash);
        }
    }

    /** The files {@link #write} wrote: the results file and one samples file per task. */
    public record Output(Path results, Map<String, Path> samples) {
        public Output {
            samples = Collections.unmodifiableMap(new LinkedHashMap<>(samples));
        }
    }

    /** A file that is not in the harness's shape: which file, which line (0 for a JSON file) and which field. */
    public static final class MalformedFileException extends IllegalArgumentException {
        private final transient Path file;
        private final int line;
        private final String field;

        MalformedFileException(Path file, int line, String field, String problem) {
            super(file + (line > 0 ? ":" + line : "") + ": " + (field == null ? "" : "field '" + field + "' ")
                    + problem);
            this.file = file;
            this.line = line;
            this.field = field;
        }

        public Path file() {
            return file;
        }

        /** The line of a JSONL file, counted from 1; 0 for a JSON file. */
        public int line() {
            return line;
        }

        /** The field's path, such as {@code results.arc_easy.acc,none}; null when the whole file is wrong. */
        public String field() {
            return field;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes {@code results_<date>.json} and {@code samples_<task>_<date>.jsonl} for every task into
     * {@code dir} (created if needed; the harness itself adds a folder named after the model), with
     * the harness's date stamp: the run's start in UTC, ISO-8601 with {@code -} for {@code :}.
     * Files of the same name are replaced.
     */
    public static Output write(List<ItemResult> results, RunInfo run, Path dir) {
        List<TaskRun> tasks = tasks(results);
        String stamp = HarnessJson.dateId(run.date());
        Map<String, Path> samples = new LinkedHashMap<>();
        Map<String, List<ObjectNode>> lines = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            for (TaskRun t : tasks) {
                List<ObjectNode> taskSamples = samples(t, run);
                lines.put(t.name(), taskSamples);
                StringBuilder text = new StringBuilder();
                for (ObjectNode s : taskSamples) {
                    text.append(HarnessJson.pyJson(s, false)).append('\n');
                }
                Path file = dir.resolve("samples_" + t.name() + "_" + stamp + ".jsonl");
                Files.writeString(file, text, StandardCharsets.UTF_8);
                samples.put(t.name(), file);
            }
            Path file = dir.resolve("results_" + stamp + ".json");
            Files.writeString(file, HarnessJson.pyJson(results(tasks, run, lines), true), StandardCharsets.UTF_8);
            return new Output(file, samples);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write harness files to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The results JSON of {@code results} (what {@link #write} writes to {@code results_<date>.json}). */
    static ObjectNode results(List<ItemResult> results, RunInfo run) {
        List<TaskRun> tasks = tasks(results);
        Map<String, List<ObjectNode>> lines = new LinkedHashMap<>();
        for (TaskRun t : tasks) {
            lines.put(t.name(), samples(t, run));
        }
        return results(tasks, run, lines);
    }

    /** {@code globmed_<source>_<lang>}. */
    static String taskName(String source, String language) {
        return ROOT_GROUP + "_" + slug(source) + "_" + slug(language);
    }

    static String groupName(String language) {
        return ROOT_GROUP + "_" + slug(language);
    }

    private static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
    }

    /** The items of one harness task. */
    record TaskRun(String name, String source, String language, String tier, Task task, List<ItemResult> items) {
        String outputType() {
            return items.stream().anyMatch(i -> ItemResult.GENERATE.equals(i.mode())) ? GENERATE_UNTIL
                    : MULTIPLE_CHOICE;
        }

        /** acc always; the others when any item has them. */
        List<String> metrics() {
            List<String> out = new ArrayList<>();
            out.add("acc");
            if (items.stream().anyMatch(i -> i.correctNorm() != null)) {
                out.add("acc_norm");
            }
            if (items.stream().anyMatch(i -> i.correctBytes() != null)) {
                out.add("acc_bytes");
            }
            if (items.stream().anyMatch(i -> i.f1() != null)) {
                out.add("f1");
            }
            if (items.stream().anyMatch(i -> i.rougeL() != null)) {
                out.add("rougeL");
            }
            return out;
        }

        double[] values(String metric) {
            return items.stream().mapToDouble(i -> value(i, metric)).toArray();
        }
    }

    /** An item's score on a metric; a missing score (a failed item) is 0, as a wrong answer. */
    static double value(ItemResult item, String metric) {
        return switch (metric) {
            case "acc" -> item.correct() ? 1 : 0;
            case "acc_norm" -> Boolean.TRUE.equals(item.correctNorm()) ? 1 : 0;
            case "acc_bytes" -> Boolean.TRUE.equals(item.correctBytes()) ? 1 : 0;
            case "f1" -> item.f1() == null ? 0 : item.f1();
            case "rougeL" -> item.rougeL() == null ? 0 : item.rougeL();
            default -> throw new IllegalArgumentException("unknown metric " + metric);
        };
    }

    private static List<TaskRun> tasks(List<ItemResult> results) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no item results to write");
        }
        Map<String, List<ItemResult>> byTask = new TreeMap<>();
        Map<String, String> keyOf = new TreeMap<>();
        for (ItemResult r : results) {
            String name = taskName(r.source(), r.language());
            String key = r.source() + "/" + r.language();
            String seen = keyOf.putIfAbsent(name, key);
            if (seen != null && !seen.equals(key)) {
                throw new IllegalArgumentException("sources and languages " + seen + " and " + key
                        + " both make the harness task name " + name);
            }
            byTask.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
        }
        List<TaskRun> out = new ArrayList<>();
        byTask.forEach((name, items) -> {
            ItemResult first = items.get(0);
            out.add(new TaskRun(name, first.source(), first.language(), first.tier(), first.task(),
                    List.copyOf(items)));
        });
        return out;
    }

    private static ObjectNode results(List<TaskRun> tasks, RunInfo run, Map<String, List<ObjectNode>> samples) {
        // Language groups in code order, each with its tasks; the root group over the language groups.
        Map<String, List<TaskRun>> byLanguage = new TreeMap<>();
        for (TaskRun t : tasks) {
            byLanguage.computeIfAbsent(groupName(t.language()), k -> new ArrayList<>()).add(t);
        }
        Map<String, ObjectNode> taskMetrics = new LinkedHashMap<>();
        for (TaskRun t : tasks) {
            taskMetrics.put(t.name(), taskMetrics(t));
        }
        Map<String, ObjectNode> groupMetrics = new LinkedHashMap<>();
        byLanguage.forEach((group, members) -> groupMetrics.put(group,
                groupMetrics(group, members.stream().map(t -> taskMetrics.get(t.name())).toList())));
        groupMetrics.put(ROOT_GROUP, groupMetrics(ROOT_GROUP, List.copyOf(taskMetrics.values())));

        ObjectNode root = NODES.objectNode();
        ObjectNode resultsNode = root.putObject("results");
        taskMetrics.forEach(resultsNode::set);
        groupMetrics.forEach(resultsNode::set);
        ObjectNode groupsNode = root.putObject("groups");
        groupMetrics.forEach(groupsNode::set);

        ObjectNode subtasks = root.putObject("group_subtasks");
        ArrayNode languages = subtasks.putArray(ROOT_GROUP);
        byLanguage.keySet().forEach(languages::add);
        byLanguage.forEach((group, members) -> {
            ArrayNode a = subtasks.putArray(group);
            members.forEach(t -> a.add(t.name()));
        });

        ObjectNode configs = root.putObject("configs");
        for (TaskRun t : tasks) {
            configs.set(t.name(), config(t, run));
        }

        // Tasks and groups by name, as the harness sorts these four.
        TreeMap<String, JsonNode> versions = new TreeMap<>();
        TreeMap<String, JsonNode> nShot = new TreeMap<>();
        TreeMap<String, JsonNode> higher = new TreeMap<>();
        for (TaskRun t : tasks) {
            versions.put(t.name(), NODES.numberNode(TASK_VERSION));
            nShot.put(t.name(), NODES.numberNode(run.numFewshot()));
            ObjectNode h = NODES.objectNode();
            t.metrics().forEach(m -> h.put(m, true));
            higher.put(t.name(), h);
        }
        for (Map.Entry<String, List<TaskRun>> g : byLanguage.entrySet()) {
            groupMeta(g.getKey(), g.getValue().stream().map(TaskRun::name).toList(), versions, nShot, higher);
        }
        groupMeta(ROOT_GROUP, List.copyOf(byLanguage.keySet()), versions, nShot, higher);
        root.set("versions", object(versions));
        root.set("n-shot", object(nShot));
        root.set("higher_is_better", object(higher));

        ObjectNode nSamples = root.putObject("n-samples");
        for (TaskRun t : tasks) {
            ObjectNode n = nSamples.putObject(t.name());
            n.put("original", t.items().size());
            n.put("effective", t.items().size());
        }

        ObjectNode config = root.putObject("config");
        config.put("model", run.model());
        config.put("model_args", run.modelArgs());
        config.put("batch_size", run.batchSize());
        config.putArray("batch_sizes");
        config.putNull("device");
        config.putNull("use_cache");
        config.putNull("limit");
        config.put("bootstrap_iters", BOOTSTRAP_ITERS);
        config.set("gen_kwargs", run.generation() == null ? NODES.nullNode() : genKwargs(run.generation()));
        config.put("random_seed", run.seed());
        config.put("numpy_seed", run.seed());
        config.put("torch_seed", run.seed());
        config.put("fewshot_seed", run.seed());
        root.put("git_hash", run.gitHash());
        root.put("date", run.date().getEpochSecond() + run.date().getNano() / 1e9);

        ObjectNode hashes = root.putObject("task_hashes");
        samples.forEach((task, lines) -> {
            StringBuilder all = new StringBuilder();
            for (ObjectNode s : lines) {
                all.append(s.get("doc_hash").asText()).append(s.get("prompt_hash").asText())
                        .append(s.get("target_hash").asText());
            }
            hashes.put(task, HarnessJson.sha256(all.toString()));
        });
        root.put("model_source", ROOT_GROUP);
        root.put("model_name", run.model());
        root.put("model_name_sanitized", run.model().replaceAll("[\"<>:/|\\\\?*\\[\\]]+", "__"));
        root.putNull("system_instruction");
        root.putNull("system_instruction_sha");
        root.put("fewshot_as_multiturn", false);
        root.putNull("chat_template");
        root.putNull("chat_template_sha");
        root.put("total_evaluation_time_seconds",
                run.elapsed() == null ? null : HarnessJson.pyRepr(run.elapsed().toNanos() / 1e9));
        return root;
    }

    private static ObjectNode taskMetrics(TaskRun t) {
        ObjectNode m = NODES.objectNode();
        m.put("name", t.name());
        m.put("alias", t.name());
        m.put("sample_len", t.items().size());
        for (String metric : t.metrics()) {
            double[] v = t.values(metric);
            m.put(metric + "," + FILTER, mean(v));
            Double se = meanStderr(v);
            putStderr(m, metric + "_stderr," + FILTER, se);
        }
        return m;
    }

    /** The harness's group aggregation over leaf tasks (see the class comment). */
    private static ObjectNode groupMetrics(String name, List<ObjectNode> leaves) {
        ObjectNode g = NODES.objectNode();
        g.put("alias", name);
        g.put("name", name);
        g.put("sample_len", leaves.stream().mapToInt(l -> l.get("sample_len").asInt()).sum());
        ObjectNode counts = NODES.objectNode();
        for (String metric : METRICS) {
            String key = metric + "," + FILTER;
            String seKey = metric + "_stderr," + FILTER;
            List<ObjectNode> with = leaves.stream().filter(l -> l.has(key)).toList();
            if (with.isEmpty()) {
                continue;
            }
            double[] values = with.stream().mapToDouble(l -> l.get(key).asDouble()).toArray();
            int[] sizes = with.stream().mapToInt(l -> l.get("sample_len").asInt()).toArray();
            g.put(key, weightedMean(values, sizes));
            counts.put(key, Arrays.stream(sizes).sum());
            boolean allNumeric = with.stream().allMatch(l -> l.get(seKey).isNumber());
            double[] stderrs = with.stream().mapToDouble(l -> l.get(seKey).asDouble()).toArray();
            putStderr(g, seKey, allNumeric ? pooledStderr(stderrs, sizes) : null);
        }
        if (!counts.isEmpty()) {
            g.set("sample_count", counts);
        }
        return g;
    }

    private static void putStderr(ObjectNode node, String key, Double se) {
        if (se == null || !Double.isFinite(se)) {
            node.put(key, "N/A");
        } else {
            node.put(key, se);
        }
    }

    /** Version "1.0" as the harness writes a group's (a string); n-shot when all children agree; higher_is_better merged. */
    private static void groupMeta(String group, List<String> children, Map<String, JsonNode> versions,
                                  Map<String, JsonNode> nShot, Map<String, JsonNode> higher) {
        versions.put(group, NODES.textNode(String.valueOf(TASK_VERSION)));
        Set<JsonNode> shots = new LinkedHashSet<>();
        ObjectNode h = NODES.objectNode();
        for (String c : children) {
            if (nShot.containsKey(c)) {
                shots.add(nShot.get(c));
            }
            JsonNode ch = higher.get(c);
            if (ch != null) {
                ch.fields().forEachRemaining(e -> {
                    if (!h.has(e.getKey())) {
                        h.set(e.getKey(), e.getValue());
                    } else if (!h.get(e.getKey()).equals(e.getValue())) {
                        h.putNull(e.getKey());
                    }
                });
            }
        }
        if (shots.size() == 1) {
            nShot.put(group, shots.iterator().next());
        }
        if (!h.isEmpty()) {
            higher.put(group, h);
        }
    }

    private static ObjectNode config(TaskRun t, RunInfo run) {
        ObjectNode c = NODES.objectNode();
        boolean choice = MULTIPLE_CHOICE.equals(t.outputType());
        c.put("task", t.name());
        c.put("dataset_path", "ruiyang-medinfo/GlobMed_" + t.source());
        c.put("dataset_name", t.language());
        c.put("test_split", "test");
        if (run.numFewshot() > 0) {
            c.put("fewshot_split", "train");
        }
        c.put("description", "");
        if (choice) {
            c.put("target_delimiter", " ");
        }
        c.put("num_fewshot", run.numFewshot());
        ArrayNode metrics = c.putArray("metric_list");
        for (String m : t.metrics()) {
            metrics.addObject().put("metric", m).put("aggregation", "mean").put("higher_is_better", true);
        }
        c.put("output_type", t.outputType());
        if (!choice && run.generation() != null) {
            c.set("generation_kwargs", genKwargs(run.generation()));
        }
        c.put("repeats", 1);
        c.put("should_decontaminate", false);
        ObjectNode meta = c.putObject("metadata");
        meta.put("version", TASK_VERSION);
        meta.put("source", t.source());
        meta.put("language", t.language());
        meta.put("tier", t.tier());
        meta.put("task", t.task() == null ? null : t.task().name());
        return c;
    }

    /** A {@link Generation} as the harness's generation_kwargs. */
    private static ObjectNode genKwargs(Generation g) {
        ObjectNode k = NODES.objectNode();
        ArrayNode until = k.putArray("until");
        g.stop().forEach(until::add);
        k.put("max_gen_toks", g.maxTokens());
        k.put("do_sample", g.temperature() > 0);
        k.put("temperature", g.temperature());
        if (g.temperature() > 0) {
            k.put("top_p", g.topP());
        }
        return k;
    }

    /** The samples lines of one task (see the class comment). */
    static List<ObjectNode> samples(TaskRun t, RunInfo run) {
        List<String> metrics = t.metrics();
        List<ObjectNode> out = new ArrayList<>();
        for (int docId = 0; docId < t.items().size(); docId++) {
            ItemResult r = t.items().get(docId);
            boolean scored = ItemResult.LOGLIKELIHOOD.equals(r.mode());
            String prompt = r.prompt() == null ? "" : r.prompt();

            ObjectNode doc = NODES.objectNode();
            doc.put("id", r.id());
            doc.put("source", r.source());
            doc.put("language", r.language());
            doc.put("tier", r.tier());
            doc.put("task", r.task() == null ? null : r.task().name());
            if (!r.optionLabels().isEmpty()) {
                ArrayNode options = doc.putArray("options");
                r.optionLabels().forEach(options::add);
            }
            doc.put("gold", r.gold());

            int goldIndex = r.optionLabels().indexOf(r.gold());
            String target = scored && goldIndex >= 0 ? String.valueOf(goldIndex) : String.valueOf(r.gold());

            ObjectNode arguments = NODES.objectNode();
            ArrayNode resps = NODES.arrayNode();
            ArrayNode filtered = NODES.arrayNode();
            if (scored) {
                for (int j = 0; j < r.optionLabels().size(); j++) {
                    arguments.putObject("gen_args_" + j).put("arg_0", prompt)
                            .put("arg_1", " " + r.optionLabels().get(j));
                }
                for (double s : r.optionScores()) {
                    ArrayNode pair = NODES.arrayNode().add(HarnessJson.pyRepr(s)).add("False");
                    resps.addArray().add(pair);
                    filtered.add(pair.deepCopy());
                }
            } else {
                ObjectNode args = arguments.putObject("gen_args_0").put("arg_0", prompt);
                args.set("arg_1", run.generation() == null ? NODES.objectNode() : genKwargs(run.generation()));
                if (r.output() != null) {
                    resps.addArray().add(r.output());
                    filtered.add(r.output());
                }
            }

            ObjectNode s = NODES.objectNode();
            s.put("doc_id", docId);
            s.set("doc", doc);
            s.put("target", target);
            s.set("arguments", arguments);
            s.set("resps", resps);
            s.set("filtered_resps", filtered);
            s.put("filter", FILTER);
            ArrayNode names = s.putArray("metrics");
            metrics.forEach(names::add);
            s.put("doc_hash", HarnessJson.sha256(HarnessJson.pyJson(doc, true)));
            s.put("prompt_hash", HarnessJson.sha256(prompt));
            s.put("target_hash", HarnessJson.sha256(target));
            for (String m : metrics) {
                s.put(m, value(r, m));
            }
            ObjectNode extra = s.putObject(EXTRA);
            extra.put("mode", r.mode());
            extra.put("prediction", r.prediction());
            extra.put("invalid", r.invalid());
            extra.put("latency_ms", r.latencyMs());
            extra.put("error", r.error());
            out.add(s);
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Statistics, as lm_eval.api.metrics defines them

    static double mean(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return sum / v.length;
    }

    /** {@code mean_stderr}: sample standard deviation (n - 1) over sqrt(n); null ("N/A") below 2 values. */
    static Double meanStderr(double[] v) {
        if (v.length < 2) {
            return null;
        }
        double mu = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - mu) * (x - mu);
        }
        return Math.sqrt(ss / (v.length - 1)) / Math.sqrt(v.length);
    }

    /** {@code aggregate_subtask_metrics} weighted by size. */
    static double weightedMean(double[] values, int[] sizes) {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < values.length; i++) {
            sum += values[i] * sizes[i];
            n += sizes[i];
        }
        return sum / n;
    }

    /**
     * {@code pooled_sample_stderr}: sqrt(sum((n_i - 1) * se_i^2 * n_i) / (N - k) / N). Null when N = k
     * (every task has one item), where the harness would divide by zero.
     */
    static Double pooledStderr(double[] stderrs, int[] sizes) {
        double pooled = 0;
        long total = 0;
        for (int i = 0; i < stderrs.length; i++) {
            pooled += (sizes[i] - 1) * stderrs[i] * stderrs[i] * sizes[i];
            total += sizes[i];
        }
        long dof = total - stderrs.length;
        return dof <= 0 ? null : Math.sqrt(pooled / dof / total);
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * The metrics of a harness results file, one row per (task or group, metric, filter): columns
     * {@code task}, {@code group} (true for groups), {@code metric} ({@code acc}), {@code filter}
     * ({@code none}), {@code value}, {@code stderr} (missing when "N/A") and {@code n} (the items
     * behind the value, when the file says). Reads the files of harness 0.4 in its older and newer
     * shapes (with or without {@code name}/{@code sample_len}, groups in {@code results} or only in
     * {@code groups}).
     *
     * @throws MalformedFileException naming the file and field when it is not in the harness's shape
     */
    public static Table readResults(Path file) {
        JsonNode root = readJson(file);
        if (!root.isObject()) {
            throw new MalformedFileException(file, 0, null, "must be a JSON object, not " + kind(root));
        }
        JsonNode results = root.get("results");
        if (results == null) {
            throw new MalformedFileException(file, 0, "results",
                    "is missing: not an lm-evaluation-harness results file");
        }
        if (!results.isObject()) {
            throw new MalformedFileException(file, 0, "results", "must be an object, not " + kind(results));
        }
        JsonNode groups = root.path("groups");
        Set<String> groupNames = new LinkedHashSet<>();
        groups.fieldNames().forEachRemaining(groupNames::add);
        root.path("group_subtasks").fields().forEachRemaining(e -> {
            if (e.getValue().isArray() && !e.getValue().isEmpty()) {
                groupNames.add(e.getKey());
            }
        });
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        Map<String, String> where = new LinkedHashMap<>();
        results.fields().forEachRemaining(e -> {
            entries.put(e.getKey(), e.getValue());
            where.put(e.getKey(), "results");
        });
        groups.fields().forEachRemaining(e -> {
            if (entries.putIfAbsent(e.getKey(), e.getValue()) == null) {
                where.put(e.getKey(), "groups");
            }
        });

        StringColumn task = StringColumn.create("task");
        BooleanColumn group = BooleanColumn.create("group");
        StringColumn metric = StringColumn.create("metric");
        StringColumn filter = StringColumn.create("filter");
        DoubleColumn value = DoubleColumn.create("value");
        DoubleColumn stderr = DoubleColumn.create("stderr");
        IntColumn n = IntColumn.create("n");
        for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
            String name = e.getKey();
            String path = where.get(name) + "." + name;
            JsonNode m = e.getValue();
            if (!m.isObject()) {
                throw new MalformedFileException(file, 0, path, "must be an object of metrics, not " + kind(m));
            }
            Integer size = null;
            if (m.has("sample_len")) {
                size = integer(file, path + ".sample_len", m.get("sample_len"));
            } else if (root.path("n-samples").path(name).has("effective")) {
                size = integer(file, "n-samples." + name + ".effective",
                        root.path("n-samples").path(name).get("effective"));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String key = f.getKey();
                int comma = key.indexOf(',');
                if (comma < 0 || key.substring(0, comma).endsWith("_stderr")) {
                    continue;   // alias, name, sample_len, sample_count; stderrs go with their metric
                }
                String metricName = key.substring(0, comma);
                String filterName = key.substring(comma + 1);
                task.append(name);
                group.append(groupNames.contains(name));
                metric.append(metricName);
                filter.append(filterName);
                value.append(number(file, path + "." + key, f.getValue()));
                String seKey = metricName + "_stderr," + filterName;
                stderr.append(m.has(seKey) ? number(file, path + "." + seKey, m.get(seKey)) : Double.NaN);
                JsonNode count = m.path("sample_count").path(key);
                Integer items = size;
                if (!count.isMissingNode()) {
                    items = integer(file, path + ".sample_count." + key, count);
                }
                if (items == null) {
                    n.appendMissing();
                } else {
                    n.append(items);
                }
            }
        }
        return Table.create(file.getFileName().toString(), task, group, metric, filter, value, stderr, n);
    }

    /**
     * The items of a harness samples file, or of every {@code samples_<task>_<date>.jsonl} in a
     * folder (the newest file of each task, as the harness picks). A GlobMed file gives back the
     * {@link ItemResult}s that were written; another model's harness file gives what its fields
     * allow: the id ({@code doc.id}, else {@code <task>/<doc_id>}), the language ({@code doc.language}
     * or {@code doc.lang}, else the task name's last part when the language registry knows it, else
     * {@code und}), the source (else the task name), correct ({@code acc}, else {@code exact_match}),
     * acc_norm, acc_bytes, f1, rougeL, the option scores and labels (A, B, ... unless {@code doc.options}),
     * the prediction (best option, or the filtered response), the prompt and the raw output; the
     * latency is NaN. A task logged under several filters gives the lines of its first filter.
     *
     * @throws MalformedFileException naming the file, line and field when a line is not in the harness's shape
     */
    public static List<ItemResult> readSamples(Path fileOrDir) {
        return HarnessSamples.read(fileOrDir);
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new MalformedFileException(file, 0, null, "is not JSON: " + e.getOriginalMessage() + at);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** A metric value or stderr: a number, or "N/A" (NaN), as the harness writes them. */
    private static double number(Path file, String field, JsonNode v) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isNull() || (v.isTextual() && v.asText().equals("N/A"))) {
            return Double.NaN;
        }
        throw new MalformedFileException(file, 0, field, "must be a number or \"N/A\", not " + v);
    }

    private static int integer(Path file, String field, JsonNode v) {
        if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
            throw new MalformedFileException(file, 0, field, "must be an integer, not " + v);
        }
        return v.asInt();
    }

    static String kind(JsonNode v) {
        return v.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static ObjectNode object(Map<String, JsonNode> fields) {
        ObjectNode o = NODES.objectNode();
        fields.forEach(o::set);
        return o;
    }
}
