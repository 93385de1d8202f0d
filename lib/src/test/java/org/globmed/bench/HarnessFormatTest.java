package org.globmed.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.globmed.data.Task;
import org.globmed.model.Generation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

class HarnessFormatTest {
    private static final double EPS = 1e-12;
    private static final List<String> ABCD = List.of("A", "B", "C", "D");
    private static final Instant DATE = Instant.parse("2024-05-13T14:23:45.123456Z");
    private static final HarnessFormat.RunInfo RUN = HarnessFormat.RunInfo
            .of("Qwen/Qwen3-1.7B", "pretrained=Qwen/Qwen3-1.7B,dtype=bfloat16")
            .withFewshot(5).withBatchSize(8).withSeed(42).withDate(DATE).withElapsed(Duration.ofMillis(12_500))
            .withGitHash("e75c49f");

    private static ItemResult scored(String id, String language, String source, Task task, List<String> labels,
                                     String gold, List<Double> scores, boolean norm, boolean bytes) {
        int best = 0;
        for (int i = 1; i < scores.size(); i++) {
            best = scores.get(i) > scores.get(best) ? i : best;
        }
        List<Double> sorted = scores.stream().sorted(Comparator.reverseOrder()).toList();
        String prediction = labels.get(best);
        return new ItemResult(id, language, "HIGH", source, task, ItemResult.LOGLIKELIHOOD, gold, prediction,
                prediction.equals(gold), norm, bytes, labels, scores, sorted.get(0) - sorted.get(1), false, null,
                null, "Question: Which drug?\nAnswer:", null, 12.5, null);
    }

    private static ItemResult open(String id, String gold, String output, String prediction, double f1,
                                   double rougeL) {
        return new ItemResult(id, "fr", "HIGH", "LiveQA", Task.OPEN_QA, ItemResult.GENERATE, gold, prediction,
                gold.equals(prediction), null, null, List.of(), List.of(), Double.NaN, false, f1, rougeL,
                "Question : Comment traite-t-on le diabète de type 1 ?\nRéponse :", output, 830, null);
    }

    /**
     * globmed_medqa_en: 3 of 4 right (acc_norm 2/4); globmed_pubmedqa_en: 1 of 2 (the other failed);
     * globmed_liveqa_fr: exact match 1 of 2, F1 0.5 and 1.0, ROUGE-L 0.25 and 1.0.
     */
    private static List<ItemResult> run() {
        List<ItemResult> r = new ArrayList<>();
        r.add(scored("MedQA/en/test/0", "en", "MedQA", Task.MCQ, ABCD, "B", List.of(-2.5, -0.5, -3.0, -4.25),
                true, true));
        r.add(scored("MedQA/en/test/1", "en", "MedQA", Task.MCQ, ABCD, "A", List.of(-0.25, -1.5, -2.0, -2.0),
                false, true));
        r.add(scored("MedQA/en/test/2", "en", "MedQA", Task.MCQ, ABCD, "C", List.of(-1.0, -2.0, -0.125, -3.0),
                true, false));
        r.add(scored("MedQA/en/test/3", "en", "MedQA", Task.MCQ, ABCD, "D", List.of(-0.5, -1.0, -1.5, -2.0),
                false, false));
        List<String> ynm = List.of("yes", "no", "maybe");
        r.add(scored("PubMedQA/en/test/0", "en", "PubMedQA", Task.YES_NO_MAYBE, ynm, "yes",
                List.of(-0.1, -2.0, -3.0), true, true));
        r.add(new ItemResult("PubMedQA/en/test/1", "en", "HIGH", "PubMedQA", Task.YES_NO_MAYBE,
                ItemResult.LOGLIKELIHOOD, "no", null, false, null, null, ynm, List.of(), Double.NaN, false, null,
                null, "Context: ...\nAnswer:", null, 30_000, "timeout after 30 s"));
        r.add(open("LiveQA/fr/test/0", "Par la piqûre d'un moustique", "La piqûre d'un moustique.",
                "La piqûre d'un moustique", 0.5, 0.25));
        r.add(open("LiveQA/fr/test/1", "Insuline", "Réponse : insuline", "Insuline", 1.0, 1.0));
        return r;
    }

    private static JsonNode results() {
        return HarnessFormat.results(run(), RUN);
    }

    private static List<String> keys(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void taskNamesAreLowerCaseSlugsPerSourceAndLanguage() {
        assertEquals("globmed_mmlu_pro_sw", HarnessFormat.taskName("MMLU-Pro", "sw"));
        assertEquals("globmed_expertqa_med_zh", HarnessFormat.taskName("ExpertQA-Med", "zh"));
        JsonNode subtasks = results().get("group_subtasks");
        assertEquals(List.of("globmed", "globmed_en", "globmed_fr"), keys(subtasks));
        assertEquals("[\"globmed_en\",\"globmed_fr\"]", subtasks.get("globmed").toString());
        assertEquals("[\"globmed_medqa_en\",\"globmed_pubmedqa_en\"]", subtasks.get("globmed_en").toString());
        assertEquals("[\"globmed_liveqa_fr\"]", subtasks.get("globmed_fr").toString());
    }

    @Test
    void threeOfFourCorrectIsAccuracyThreeQuartersWithTheHarnesssSampleStderr() {
        JsonNode medqa = results().get("results").get("globmed_medqa_en");
        assertEquals(0.75, medqa.get("acc,none").asDouble(), EPS);
        // sample sd of [1,1,1,0] (n - 1) = 0.5, over sqrt(4): sqrt(0.75 * 0.25 / 3)
        assertEquals(0.25, medqa.get("acc_stderr,none").asDouble(), EPS);
        assertEquals(0.5, medqa.get("acc_norm,none").asDouble(), EPS);
        assertEquals(Math.sqrt(1.0 / 12), medqa.get("acc_norm_stderr,none").asDouble(), EPS);
        assertEquals(0.5, medqa.get("acc_bytes,none").asDouble(), EPS);
        assertEquals(4, medqa.get("sample_len").asInt());

        assertEquals(0.25, HarnessFormat.meanStderr(new double[] {1, 1, 1, 0}), EPS);
        assertNull(HarnessFormat.meanStderr(new double[] {1}), "one item has no sample stderr");
    }

    @Test
    void aFailedItemCountsAsWrongAndOpenTasksReportAccF1AndRougeL() {
        JsonNode r = results().get("results");
        JsonNode pubmed = r.get("globmed_pubmedqa_en");
        assertEquals(0.5, pubmed.get("acc,none").asDouble(), EPS);
        assertEquals(0.5, pubmed.get("acc_stderr,none").asDouble(), EPS);
        assertEquals(0.5, pubmed.get("acc_norm,none").asDouble(), EPS);
        JsonNode live = r.get("globmed_liveqa_fr");
        assertEquals(List.of("name", "alias", "sample_len", "acc,none", "acc_stderr,none", "f1,none",
                "f1_stderr,none", "rougeL,none", "rougeL_stderr,none"), keys(live));
        assertEquals(0.5, live.get("acc,none").asDouble(), EPS);
        assertEquals(0.75, live.get("f1,none").asDouble(), EPS);
        assertEquals(0.25, live.get("f1_stderr,none").asDouble(), EPS);
        assertEquals(0.625, live.get("rougeL,none").asDouble(), EPS);
        assertEquals(0.375, live.get("rougeL_stderr,none").asDouble(), EPS);
    }

    @Test
    void groupsAreSizeWeightedMeansWithThePooledStderrOverLeafTasks() {
        JsonNode groups = results().get("groups");
        JsonNode en = groups.get("globmed_en");
        assertEquals(4.0 / 6, en.get("acc,none").asDouble(), EPS);   // (4 * 0.75 + 2 * 0.5) / 6
        // ((4-1) * 0.25^2 * 4 + (2-1) * 0.5^2 * 2) / (6 - 2) = 0.3125; sqrt(0.3125 / 6)
        assertEquals(Math.sqrt(0.3125 / 6), en.get("acc_stderr,none").asDouble(), EPS);
        assertEquals(0.5, en.get("acc_norm,none").asDouble(), EPS);
        assertEquals(0.25, en.get("acc_norm_stderr,none").asDouble(), EPS);   // sqrt(((3/3) + 0.5) / 4 / 6)
        assertEquals(6, en.get("sample_len").asInt());

        JsonNode all = groups.get("globmed");
        assertEquals(0.625, all.get("acc,none").asDouble(), EPS);   // 5 of 8
        // (3 * 0.25 + 1 * 0.5 + 1 * 0.5) / (8 - 3) = 0.35; sqrt(0.35 / 8)
        assertEquals(Math.sqrt(0.35 / 8), all.get("acc_stderr,none").asDouble(), EPS);
        assertEquals(0.75, all.get("f1,none").asDouble(), EPS);      // only the open task has F1
        assertEquals(0.25, all.get("f1_stderr,none").asDouble(), EPS);
        assertEquals(8, all.get("sample_count").get("acc,none").asInt());
        assertEquals(6, all.get("sample_count").get("acc_norm,none").asInt());
        assertEquals(2, all.get("sample_count").get("f1,none").asInt());
        assertEquals(List.of("alias", "name", "sample_len", "acc,none", "acc_stderr,none", "acc_norm,none",
                "acc_norm_stderr,none", "acc_bytes,none", "acc_bytes_stderr,none", "f1,none", "f1_stderr,none",
                "rougeL,none", "rougeL_stderr,none", "sample_count"), keys(all));
        // a group of one task is that task
        assertEquals(0.5, groups.get("globmed_fr").get("acc_stderr,none").asDouble(), EPS);
        // groups are in results too, after the tasks
        assertEquals(List.of("globmed_liveqa_fr", "globmed_medqa_en", "globmed_pubmedqa_en", "globmed_en",
                "globmed_fr", "globmed"), keys(results().get("results")));
    }

    @Test
    void aSingleItemTaskHasNoStderrAndNeitherDoItsGroups() {
        List<ItemResult> one = run().subList(0, 1);
        JsonNode r = HarnessFormat.results(one, RUN);
        assertEquals("N/A", r.get("results").get("globmed_medqa_en").get("acc_stderr,none").asText());
        assertEquals("N/A", r.get("groups").get("globmed").get("acc_stderr,none").asText());
        assertEquals(1.0, r.get("groups").get("globmed").get("acc,none").asDouble(), EPS);
    }

    @Test
    void theResultsFileHasTheHarnesssKeys() {
        JsonNode r = results();
        assertEquals(List.of("results", "groups", "group_subtasks", "configs", "versions", "n-shot",
                "higher_is_better", "n-samples", "config", "git_hash", "date", "task_hashes", "model_source",
                "model_name", "model_name_sanitized", "system_instruction", "system_instruction_sha",
                "fewshot_as_multiturn", "chat_template", "chat_template_sha", "total_evaluation_time_seconds"),
                keys(r));
        JsonNode medqa = r.get("configs").get("globmed_medqa_en");
        assertEquals("globmed_medqa_en", medqa.get("task").asText());
        assertEquals("ruiyang-medinfo/GlobMed_MedQA", medqa.get("dataset_path").asText());
        assertEquals("en", medqa.get("dataset_name").asText());
        assertEquals("multiple_choice", medqa.get("output_type").asText());
        assertEquals(5, medqa.get("num_fewshot").asInt());
        assertEquals("[{\"metric\":\"acc\",\"aggregation\":\"mean\",\"higher_is_better\":true},"
                + "{\"metric\":\"acc_norm\",\"aggregation\":\"mean\",\"higher_is_better\":true},"
                + "{\"metric\":\"acc_bytes\",\"aggregation\":\"mean\",\"higher_is_better\":true}]",
                medqa.get("metric_list").toString());
        assertEquals("generate_until", r.get("configs").get("globmed_liveqa_fr").get("output_type").asText());
        assertEquals(1.0, r.get("versions").get("globmed_medqa_en").asDouble());
        assertEquals("1.0", r.get("versions").get("globmed").asText());
        assertEquals(List.of("globmed", "globmed_en", "globmed_fr", "globmed_liveqa_fr", "globmed_medqa_en",
                "globmed_pubmedqa_en"), keys(r.get("n-shot")));
        assertEquals(5, r.get("n-shot").get("globmed").asInt());
        assertEquals("{\"acc\":true,\"f1\":true,\"rougeL\":true}",
                r.get("higher_is_better").get("globmed_liveqa_fr").toString());
        assertEquals("{\"acc\":true,\"acc_norm\":true,\"acc_bytes\":true,\"f1\":true,\"rougeL\":true}",
                r.get("higher_is_better").get("globmed").toString());
        assertEquals("{\"original\":4,\"effective\":4}", r.get("n-samples").get("globmed_medqa_en").toString());
        JsonNode config = r.get("config");
        assertEquals(List.of("model", "model_args", "batch_size", "batch_sizes", "device", "use_cache", "limit",
                "bootstrap_iters", "gen_kwargs", "random_seed", "numpy_seed", "torch_seed", "fewshot_seed"),
                keys(config));
        assertEquals("Qwen/Qwen3-1.7B", config.get("model").asText());
        assertEquals("pretrained=Qwen/Qwen3-1.7B,dtype=bfloat16", config.get("model_args").asText());
        assertEquals(8, config.get("batch_size").asInt());
        assertEquals(42, config.get("fewshot_seed").asInt());
        assertEquals("Qwen__Qwen3-1.7B", r.get("model_name_sanitized").asText());
        assertEquals(1715610225.123456, r.get("date").asDouble(), 1e-6);
        assertEquals("12.5", r.get("total_evaluation_time_seconds").asText());
    }

    @Test
    void samplesLinesHaveTheHarnesssShapeAndHashes() throws IOException {
        ObjectNode line = HarnessFormat.samples(new HarnessFormat.TaskRun("globmed_medqa_en", "MedQA", "en", "HIGH",
                Task.MCQ, run().subList(0, 4)), RUN).get(0);
        assertEquals(List.of("doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter",
                "metrics", "doc_hash", "prompt_hash", "target_hash", "acc", "acc_norm", "acc_bytes", "globmed"),
                keys(line));
        assertEquals(0, line.get("doc_id").asInt());
        assertEquals("1", line.get("target").asText(), "the gold option's index, as the harness's choice tasks");
        assertEquals("{\"arg_0\":\"Question: Which drug?\\nAnswer:\",\"arg_1\":\" B\"}",
                line.get("arguments").get("gen_args_1").toString());
        assertEquals(4, line.get("arguments").size());
        assertEquals("[[\"-2.5\",\"False\"]]", line.get("resps").get(0).toString());
        assertEquals("[\"-0.5\",\"False\"]", line.get("filtered_resps").get(1).toString());
        assertEquals("none", line.get("filter").asText());
        assertEquals("[\"acc\",\"acc_norm\",\"acc_bytes\"]", line.get("metrics").toString());
        assertEquals(1.0, line.get("acc").asDouble());
        String doc = """
                {
                  "id": "MedQA/en/test/0",
                  "source": "MedQA",
                  "language": "en",
                  "tier": "HIGH",
                  "task": "MCQ",
                  "options": [
                    "A",
                    "B",
                    "C",
                    "D"
                  ],
                  "gold": "B"
                }""";
        assertEquals(doc, HarnessJson.pyJson(line.get("doc"), true));
        // the hashes Python computes: hashlib.sha256(json.dumps(doc, indent=2, ensure_ascii=False).encode())
        assertEquals("0dd79cd3197ae2846e8b10a5ea6672ce4b8aea683697b651167c604ce986ca71",
                line.get("doc_hash").asText());
        assertEquals("04b91f5c475d653a696b60820232a1b53a1541e83e09f6ccdb74f279f4d88578",
                line.get("prompt_hash").asText());
        assertEquals("6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b",
                line.get("target_hash").asText());
    }

    @Test
    void pythonJsonAndReprAreReproducedForFilesAndHashes() throws IOException {
        JsonNode node = new ObjectMapper().readTree(
                "{\"gold\": \"Par la piqûre d'un moustique\", \"x\": \"é\\n\\u0001\\\"\\\\\","
                        + " \"n\": [1, 2.5, null, true, 1e-05, {}, []]}");
        assertEquals("{\"gold\": \"Par la piqûre d'un moustique\", \"x\": \"é\\n\\u0001\\\"\\\\\","
                + " \"n\": [1, 2.5, null, true, 1e-05, {}, []]}", HarnessJson.pyJson(node, false));
        assertEquals("0.1", HarnessJson.pyRepr(0.1));
        assertEquals("1e-05", HarnessJson.pyRepr(1e-5));
        assertEquals("0.0001", HarnessJson.pyRepr(1e-4));
        assertEquals("1e+16", HarnessJson.pyRepr(1e16));
        assertEquals("9007199254740992.0", HarnessJson.pyRepr(9007199254740992.0));
        assertEquals("123.0", HarnessJson.pyRepr(123));
        assertEquals("-2.5", HarnessJson.pyRepr(-2.5));
        assertEquals("1.5e+300", HarnessJson.pyRepr(1.5e300));
        assertEquals("0.3333333333333333", HarnessJson.pyRepr(1.0 / 3));
        assertEquals("-0.0", HarnessJson.pyRepr(-0.0));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                HarnessJson.sha256("abc"));
        assertEquals("2024-05-13T14-23-45.123456", HarnessJson.dateId(DATE));
        assertEquals("2024-05-13T14-23-45", HarnessJson.dateId(Instant.parse("2024-05-13T14:23:45Z")));
    }

    @Test
    void writtenFilesReadBackToTheSameItemsAndMetrics(@TempDir Path dir) throws IOException {
        List<ItemResult> items = run();
        HarnessFormat.Output out = HarnessFormat.write(items, RUN, dir);
        assertEquals(dir.resolve("results_2024-05-13T14-23-45.123456.json"), out.results());
        assertEquals(dir.resolve("samples_globmed_medqa_en_2024-05-13T14-23-45.123456.jsonl"),
                out.samples().get("globmed_medqa_en"));
        assertEquals(3, out.samples().size());
        String text = Files.readString(out.results(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("{\n  \"results\": {\n    \"globmed_liveqa_fr\": {\n      \"name\": "), text);

        List<ItemResult> back = HarnessFormat.readSamples(dir);
        Comparator<ItemResult> byId = Comparator.comparing(ItemResult::id);
        assertEquals(items.stream().sorted(byId).toList(), back.stream().sorted(byId).toList());
        assertEquals(items.subList(0, 4), HarnessFormat.readSamples(out.samples().get("globmed_medqa_en")));

        Table t = HarnessFormat.readResults(out.results());
        assertEquals(List.of("task", "group", "metric", "filter", "value", "stderr", "n"), t.columnNames());
        Row medqa = row(t, "globmed_medqa_en", "acc");
        assertEquals(0.75, medqa.getDouble("value"), EPS);
        assertEquals(0.25, medqa.getDouble("stderr"), EPS);
        assertEquals(4, medqa.getInt("n"));
        assertFalse(medqa.getBoolean("group"));
        Row all = row(t, "globmed", "acc_norm");
        assertTrue(all.getBoolean("group"));
        assertEquals(0.5, all.getDouble("value"), EPS);
        assertEquals(6, all.getInt("n"));
        assertEquals(9 + 3 + 3 + 5, t.rowCount());   // 3 tasks x 3 metrics; globmed_en 3, globmed_fr 3, globmed 5
    }

    @Test
    void aGeneratedChoiceAnswerKeepsItsDecodingAndInvalidity(@TempDir Path dir) {
        ItemResult invalid = new ItemResult("MedQA/fr/test/7", "fr", "HIGH", "MedQA", Task.MCQ,
                ItemResult.GENERATE, "C", null, false, null, null, ABCD, List.of(), Double.NaN, true, null, null,
                "Question : ...\nRéponse :", "Je ne sais pas.", 410.25, null);
        ItemResult right = new ItemResult("MedQA/fr/test/8", "fr", "HIGH", "MedQA", Task.MCQ, ItemResult.GENERATE,
                "A", "A", true, null, null, ABCD, List.of(), Double.NaN, false, null, null, "Question : ...",
                "Réponse : (A)", 120, null);
        HarnessFormat.RunInfo run = RUN.withGeneration(Generation.greedy(32).withStop("\n\n"));
        HarnessFormat.Output out = HarnessFormat.write(List.of(invalid, right), run, dir);
        assertEquals(List.of(invalid, right), HarnessFormat.readSamples(out.results().getParent()));
        JsonNode line = HarnessFormat.samples(new HarnessFormat.TaskRun("globmed_medqa_fr", "MedQA", "fr", "HIGH",
                Task.MCQ, List.of(invalid)), run).get(0);
        assertEquals("{\"arg_0\":\"Question : ...\\nRéponse :\",\"arg_1\":{\"until\":[\"\\n\\n\"],"
                + "\"max_gen_toks\":32,\"do_sample\":false,\"temperature\":0.0}}",
                line.get("arguments").get("gen_args_0").toString());
        assertEquals("C", line.get("target").asText());
        assertEquals("[[\"Je ne sais pas.\"]]", line.get("resps").toString());
        JsonNode results = HarnessFormat.results(List.of(invalid, right), run);
        assertEquals("generate_until", results.get("configs").get("globmed_medqa_fr").get("output_type").asText());
        assertEquals(0.5, results.get("results").get("globmed_medqa_fr").get("acc,none").asDouble(), EPS);
    }

    /** Shaped like a results file of lm-evaluation-harness 0.4.x (aliases with " - ", no sample_len, "N/A"). */
    private static final String HARNESS_RESULTS = """
            {
              "results": {
                "mmlu": {
                  "acc,none": 0.4451,
                  "acc_stderr,none": 0.0041,
                  "alias": "mmlu"
                },
                "mmlu_anatomy": {
                  "alias": "  - anatomy",
                  "acc,none": 0.4666666666666667,
                  "acc_stderr,none": 0.043097329010363554
                },
                "arc_easy": {
                  "alias": "arc_easy",
                  "acc,none": 0.8186026936026936,
                  "acc_stderr,none": 0.007907153952801706,
                  "acc_norm,none": 0.7836700336700336,
                  "acc_norm_stderr,none": 0.00844876352205705
                },
                "gsm8k": {
                  "alias": "gsm8k",
                  "exact_match,strict-match": 0.25,
                  "exact_match_stderr,strict-match": "N/A",
                  "exact_match,flexible-extract": 0.5,
                  "exact_match_stderr,flexible-extract": "N/A"
                }
              },
              "groups": {
                "mmlu": {
                  "acc,none": 0.4451,
                  "acc_stderr,none": 0.0041,
                  "alias": "mmlu"
                }
              },
              "group_subtasks": {
                "mmlu": ["mmlu_anatomy"],
                "arc_easy": [],
                "gsm8k": []
              },
              "configs": {
                "arc_easy": {
                  "task": "arc_easy",
                  "dataset_path": "allenai/ai2_arc",
                  "dataset_name": "ARC-Easy",
                  "output_type": "multiple_choice",
                  "num_fewshot": 0,
                  "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": true}],
                  "metadata": {"version": 1.0}
                }
              },
              "versions": {"arc_easy": 1.0, "gsm8k": 3.0, "mmlu": 2, "mmlu_anatomy": 1.0},
              "n-shot": {"arc_easy": 0, "gsm8k": 5, "mmlu_anatomy": 0},
              "higher_is_better": {"arc_easy": {"acc": true, "acc_norm": true}},
              "n-samples": {
                "arc_easy": {"original": 2376, "effective": 2376},
                "gsm8k": {"original": 1319, "effective": 4},
                "mmlu_anatomy": {"original": 135, "effective": 135}
              },
              "config": {"model": "hf", "model_args": "pretrained=EleutherAI/pythia-160m", "batch_size": "8"},
              "git_hash": "4e7e0d4",
              "date": 1716000000.123456,
              "total_evaluation_time_seconds": "512.25"
            }""";

    private static Row row(Table t, String task, String metric) {
        for (Row r : t) {
            if (r.getString("task").equals(task) && r.getString("metric").equals(metric)) {
                return r;
            }
        }
        throw new AssertionError("no row " + task + " " + metric + " in\n" + t.print());
    }

    @Test
    void aResultsFileOfTheRealHarnessReads(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("results_2024-05-18T02-40-00.123456.json");
        Files.writeString(file, HARNESS_RESULTS);
        Table t = HarnessFormat.readResults(file);
        assertEquals(6, t.rowCount());   // mmlu once though it is in both results and groups
        Row arc = row(t, "arc_easy", "acc_norm");
        assertEquals(0.7836700336700336, arc.getDouble("value"), EPS);
        assertEquals(0.00844876352205705, arc.getDouble("stderr"), EPS);
        assertEquals("none", arc.getString("filter"));
        assertEquals(2376, arc.getInt("n"));
        assertFalse(arc.getBoolean("group"));
        assertTrue(row(t, "mmlu", "acc").getBoolean("group"));
        Table gsm = t.where(t.stringColumn("task").isEqualTo("gsm8k"));
        assertEquals(List.of("strict-match", "flexible-extract"), gsm.stringColumn("filter").asList());
        assertTrue(gsm.doubleColumn("stderr").isMissing().size() == 2, "\"N/A\" is a missing stderr");
        assertEquals(List.of(0.25, 0.5), gsm.doubleColumn("value").asList());
        assertEquals(List.of(4, 4), gsm.intColumn("n").asList());
    }

    @Test
    void aSamplesFileOfTheRealHarnessReads(@TempDir Path dir) throws IOException {
        // arc_easy: a doc of the dataset's own shape, the target an index, log-likelihoods as strings
        String arc = "{\"doc_id\": 0, \"doc\": {\"id\": \"Mercury_7175875\", \"question\": \"An astronomer observes"
                + " that a planet rotates faster after a meteorite impact. Which is the most likely effect?\","
                + " \"choices\": {\"text\": [\"Planetary density will decrease.\", \"Planetary years will become"
                + " longer.\", \"Planetary days will become shorter.\", \"Planetary gravity will become stronger.\"],"
                + " \"label\": [\"A\", \"B\", \"C\", \"D\"]}, \"answerKey\": \"C\"}, \"target\": \"2\","
                + " \"arguments\": {\"gen_args_0\": {\"arg_0\": \"Question: An astronomer ...\\nAnswer:\","
                + " \"arg_1\": \" Planetary density will decrease.\"}, \"gen_args_1\": {\"arg_0\": \"Question: An"
                + " astronomer ...\\nAnswer:\", \"arg_1\": \" Planetary years will become longer.\"}, \"gen_args_2\":"
                + " {\"arg_0\": \"Question: An astronomer ...\\nAnswer:\", \"arg_1\": \" Planetary days will become"
                + " shorter.\"}, \"gen_args_3\": {\"arg_0\": \"Question: An astronomer ...\\nAnswer:\", \"arg_1\":"
                + " \" Planetary gravity will become stronger.\"}}, \"resps\": [[[\"-20.25\", \"False\"]],"
                + " [[\"-19.5\", \"False\"]], [[\"-14.75\", \"False\"]], [[\"-18.0\", \"False\"]]],"
                + " \"filtered_resps\": [[\"-20.25\", \"False\"], [\"-19.5\", \"False\"], [\"-14.75\", \"False\"],"
                + " [\"-18.0\", \"False\"]], \"filter\": \"none\", \"metrics\": [\"acc\", \"acc_norm\"],"
                + " \"doc_hash\": \"4f1d\", \"prompt_hash\": \"9c2e\", \"target_hash\": \"d4735e3a\","
                + " \"acc\": 1.0, \"acc_norm\": 0.0}\n";
        String arc2 = arc.replace("\"doc_id\": 0", "\"doc_id\": 1").replace("\"Mercury_7175875\"", "\"MCAS_2000_4_6\"")
                .replace("\"target\": \"2\"", "\"target\": \"0\"").replace("\"acc\": 1.0", "\"acc\": 0.0");
        Path arcFile = dir.resolve("samples_arc_easy_2024-05-18T02-40-00.123456.jsonl");
        Files.writeString(arcFile, arc + arc2);
        // an older run of the same task: the newest file is read
        Files.writeString(dir.resolve("samples_arc_easy_2024-01-01T00-00-00.jsonl"), arc);
        // gsm8k: generated, logged once per filter; only the first filter is read
        String gsm = "{\"doc_id\": 0, \"doc\": {\"question\": \"Janet has 3 ducks ...\", \"answer\": \"... #### 18\"},"
                + " \"target\": \"... #### 18\", \"arguments\": {\"gen_args_0\": {\"arg_0\": \"Question: Janet ...\","
                + " \"arg_1\": {\"until\": [\"Question:\"], \"do_sample\": false}}}, \"resps\": [[\"She sells 9 ..."
                + " The answer is 18.\"]], \"filtered_resps\": [\"%s\"], \"filter\": \"%s\", \"metrics\":"
                + " [\"exact_match\"], \"doc_hash\": \"a\", \"prompt_hash\": \"b\", \"target_hash\": \"c\","
                + " \"exact_match\": %s}\n";
        Files.writeString(dir.resolve("samples_gsm8k_2024-05-18T02-40-00.123456.jsonl"),
                gsm.formatted("[invalid]", "strict-match", "0.0") + gsm.formatted("18", "flexible-extract", "1.0"));
        // xnli_sw: the language comes from the task name when the registry knows it
        String xnli = "{\"doc_id\": 3, \"doc\": {\"premise\": \"...\", \"hypothesis\": \"...\", \"label\": 1},"
                + " \"target\": \"1\", \"arguments\": [[\"...\", \" Ndio\"], [\"...\", \" Pia\"], [\"...\", \" Hapana\"]],"
                + " \"resps\": [], \"filtered_resps\": [[-3.5, false], [-1.25, true], [-2.0, false]],"
                + " \"acc\": 1.0}\n";
        Files.writeString(dir.resolve("samples_xnli_sw_2024-05-18T02-40-00.123456.jsonl"), xnli);

        List<ItemResult> items = HarnessFormat.readSamples(dir);
        assertEquals(4, items.size());
        ItemResult a = items.get(0);
        assertEquals("Mercury_7175875", a.id());
        assertEquals("und", a.language(), "arc_easy names no language");
        assertNull(a.tier());
        assertEquals("arc_easy", a.source());
        assertEquals(Task.MCQ, a.task());
        assertEquals(ItemResult.LOGLIKELIHOOD, a.mode());
        assertEquals(ABCD, a.optionLabels());
        assertEquals(List.of(-20.25, -19.5, -14.75, -18.0), a.optionScores());
        assertEquals("C", a.gold());
        assertEquals("C", a.prediction());
        assertTrue(a.correct());
        assertEquals(false, a.correctNorm());
        assertNull(a.correctBytes());
        assertEquals(3.25, a.margin(), EPS);
        assertEquals("Question: An astronomer ...\nAnswer:", a.prompt());
        assertTrue(Double.isNaN(a.latencyMs()));
        assertEquals("A", items.get(1).gold());
        assertFalse(items.get(1).correct());

        ItemResult g = items.get(2);
        assertEquals("gsm8k/0", g.id());
        assertEquals(ItemResult.GENERATE, g.mode());
        assertEquals(Task.OPEN_QA, g.task());
        assertEquals("[invalid]", g.prediction(), "the strict-match line, the first filter");
        assertFalse(g.correct());
        assertEquals("She sells 9 ... The answer is 18.", g.output());
        assertEquals("... #### 18", g.gold());

        ItemResult x = items.get(3);
        assertEquals("xnli_sw/3", x.id());
        assertEquals("sw", x.language());
        assertEquals("LOW", x.tier());
        assertEquals("B", x.prediction());
        assertEquals("B", x.gold());
        assertTrue(x.correct());
    }

    @Test
    void aMalformedFileIsAnErrorNamingTheFileAndField(@TempDir Path dir) throws IOException {
        Path results = dir.resolve("results_x.json");
        Files.writeString(results, HARNESS_RESULTS.replace("\"acc_norm,none\": 0.7836700336700336",
                "\"acc_norm,none\": \"high\""));
        HarnessFormat.MalformedFileException e = assertThrows(HarnessFormat.MalformedFileException.class,
                () -> HarnessFormat.readResults(results));
        assertEquals("results.arc_easy.acc_norm,none", e.field());
        assertEquals(results + ": field 'results.arc_easy.acc_norm,none' must be a number or \"N/A\", not \"high\"",
                e.getMessage());

        Files.writeString(results, "{\"groups\": {}}");
        e = assertThrows(HarnessFormat.MalformedFileException.class, () -> HarnessFormat.readResults(results));
        assertEquals("results", e.field());
        assertTrue(e.getMessage().startsWith(results + ": field 'results' is missing"), e.getMessage());

        Files.writeString(results, "{\"results\": {\"arc_easy\": 0.5}}");
        e = assertThrows(HarnessFormat.MalformedFileException.class, () -> HarnessFormat.readResults(results));
        assertEquals("results.arc_easy", e.field());

        Files.writeString(results, "{\"results\": {");
        e = assertThrows(HarnessFormat.MalformedFileException.class, () -> HarnessFormat.readResults(results));
        assertTrue(e.getMessage().startsWith(results + ": is not JSON"), e.getMessage());

        Path samples = dir.resolve("samples_t_2024-05-18T02-40-00.jsonl");
        String good = "{\"doc_id\": 0, \"doc\": {}, \"target\": \"0\", \"arguments\": [[\"q\", \" A\"], [\"q\", \" B\"]],"
                + " \"filtered_resps\": [[\"-1.0\", \"False\"], [\"-2.0\", \"False\"]], \"acc\": 1.0}";
        Files.writeString(samples, good + "\n" + good.replace("\"-2.0\"", "\"minus two\"") + "\n");
        e = assertThrows(HarnessFormat.MalformedFileException.class, () -> HarnessFormat.readSamples(samples));
        assertEquals(samples, e.file());
        assertEquals(2, e.line());
        assertEquals("filtered_resps[1]", e.field());
        assertTrue(e.getMessage().startsWith(samples + ":2: field 'filtered_resps[1]' must be"), e.getMessage());

        Files.writeString(samples, good.replace("\"doc_id\": 0, ", "") + "\n");
        e = assertThrows(HarnessFormat.MalformedFileException.class, () -> HarnessFormat.readSamples(samples));
        assertEquals("doc_id", e.field());
        assertEquals(1, e.line());

        Files.writeString(samples, "\n" + good + "\n{not json\n");
        e = assertThrows(HarnessFormat.MalformedFileException.class, () -> HarnessFormat.readSamples(samples));
        assertEquals(3, e.line());
        assertNull(e.field());
    }

    @Test
    void nothingToWriteIsAnError(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HarnessFormat.write(List.of(), RUN, dir));
        assertEquals("no item results to write", e.getMessage());
    }
}
