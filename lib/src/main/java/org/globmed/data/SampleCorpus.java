package org.globmed.data;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.globmed.io.AtomicFiles;

/**
 * Writes the bundled sample in {@code data/}: a small, synthetic, multilingual medical QA set in
 * GlobMed's exact layout ({@code GlobMed_MedQA}, {@code GlobMed_PubMedQA}, {@code GlobMed_BioNLI},
 * each with {@code <lang>/train.json} and {@code <lang>/test.json}) in twelve languages.
 *
 * <p>Every item is rendered from data, not written by hand: the textbook facts are in
 * {@code sample/facts.tsv}, the entity names per language in {@code sample/entities.json} and the
 * sentence templates per language in {@code sample/templates.json} (resources next to this class).
 * The same underlying item is rendered in every language, so an item keeps its {@code parallel_id},
 * split, option order and gold answer across languages. Wrong options are other objects (or
 * subjects) of the same relation that the fact table does not pair with the item's subject (or
 * object); the table also lists "avoid" pairings, partly true ones that are never used as wrong
 * answers. Yes/no/maybe items answer "maybe" only for made-up trials whose context says the evidence
 * is insufficient or mixed.
 *
 * <p>The output is deterministic: fixed seeds, fixed field order, {@code \n} line ends, UTF-8
 * without BOM, so the same resources give the same bytes. Files are written atomically (a temporary
 * sibling, then a move). To regenerate {@code data/} after editing the resources, run from the
 * repository root
 *
 * <pre>{@code mvn -q -B -o -pl lib test -Dtest=SampleCorpusTest -Dglobmed.sample.regenerate=true}</pre>
 *
 * <p>and update the counts table in {@code data/README.md} if they changed (the test prints the table
 * and fails when the README's differs).
 */
final class SampleCorpus {
    /** The sample's languages: eight high-resource, then four low-resource ones. */
    static final List<String> LANGUAGES = List.of("en", "es", "fr", "de", "zh", "ja", "ar", "hi", "sw", "yo", "ha",
            "zu");
    static final String MEDQA = "GlobMed_MedQA";
    static final String PUBMEDQA = "GlobMed_PubMedQA";
    static final String BIONLI = "GlobMed_BioNLI";
    static final List<String> SOURCES = List.of(MEDQA, PUBMEDQA, BIONLI);
    static final List<String> SPLITS = List.of("train", "test");

    private static final long SEED = 2601_02186L;
    private static final int MEDQA_TEST = 100;
    private static final int PUBMEDQA_YES = 36;
    private static final int PUBMEDQA_NO = 36;
    private static final int PUBMEDQA_MAYBE = 18;
    private static final int PUBMEDQA_TEST = 30;
    private static final int BIONLI_ITEMS = 90;
    private static final int BIONLI_TEST = 30;
    private static final List<String> LETTERS = List.of("A", "B", "C", "D");
    private static final List<String> RELATION_TEMPLATES = List.of("ask_object", "ask_subject", "statement",
            "paraphrase", "negation", "yes_no");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Z])(\\.def)?}");
    private static final Set<Character> ENTITY_SLOTS = Set.of('S', 'O', 'D');
    private static final Set<Character> LITERAL_SLOTS = Set.of('C', 'N');
    private static final Pattern ZULU_JOIN = Pattern.compile("([aiu])\\+(\\p{L})");

    private SampleCorpus() {
    }

    /**
     * Item counts of the sample.
     *
     * @param counts source folder, then language, then split, to the number of items
     */
    record Summary(Map<String, Map<String, Map<String, Integer>>> counts) {

        int count(String source, String language, String split) {
            return counts.getOrDefault(source, Map.of()).getOrDefault(language, Map.of()).getOrDefault(split, 0);
        }

        int total() {
            return counts.values().stream().flatMap(m -> m.values().stream()).flatMap(m -> m.values().stream())
                    .mapToInt(Integer::intValue).sum();
        }

        /** The counts as the Markdown table of {@code data/README.md}: one row per language, then the sum. */
        String markdownTable() {
            StringBuilder s = new StringBuilder("| Language | Tier |");
            StringBuilder rule = new StringBuilder("|---|---|");
            for (String source : SOURCES) {
                for (String split : SPLITS) {
                    s.append(' ').append(source.substring("GlobMed_".length())).append(' ').append(split).append(" |");
                    rule.append("---:|");
                }
            }
            s.append(" All |\n").append(rule).append("---:|\n");
            int[] sums = new int[SOURCES.size() * SPLITS.size() + 1];
            for (String lang : LANGUAGES) {
                Language language = Languages.defaults().get(lang);
                s.append("| ").append(lang).append(" (").append(language.english()).append(") | ")
                        .append(language.tier()).append(" |");
                int col = 0;
                int all = 0;
                for (String source : SOURCES) {
                    for (String split : SPLITS) {
                        int n = count(source, lang, split);
                        s.append(' ').append(n).append(" |");
                        sums[col++] += n;
                        all += n;
                    }
                }
                sums[col] += all;
                s.append(' ').append(all).append(" |\n");
            }
            s.append("| all ").append(LANGUAGES.size()).append(" | |");
            for (int n : sums) {
                s.append(' ').append(n).append(" |");
            }
            return s.append('\n').toString();
        }
    }

    /**
     * Writes the whole sample under {@code dir} (created if needed), replacing files of the same
     * names and leaving any other file alone.
     */
    static Summary write(Path dir) throws IOException {
        Map<String, Map<String, Map<String, Integer>>> counts = new LinkedHashMap<>();
        ObjectWriter writer = new ObjectMapper().writer(prettyPrinter());
        for (Source source : build(Resources.load())) {
            Map<String, Map<String, Integer>> byLanguage = counts.computeIfAbsent(source.folder(),
                    k -> new LinkedHashMap<>());
            for (String lang : LANGUAGES) {
                for (String split : SPLITS) {
                    ArrayNode array = JsonNodeFactory.instance.arrayNode();
                    for (Planned item : source.items()) {
                        if (item.split().equals(split)) {
                            array.add(item.render().apply(lang));
                        }
                    }
                    byte[] json = (writer.writeValueAsString(array) + "\n").getBytes(StandardCharsets.UTF_8);
                    AtomicFiles.write(dir.resolve(source.folder()).resolve(lang).resolve(split + ".json"), json);
                    byLanguage.computeIfAbsent(lang, k -> new LinkedHashMap<>()).put(split, array.size());
                }
            }
        }
        return new Summary(counts);
    }

    // ---------------------------------------------------------------- planning the items

    /** One source folder's items, in parallel-id order. */
    private record Source(String folder, List<Planned> items) {
    }

    /** One parallel item: its split and how it reads in a language. */
    private record Planned(String parallelId, String split, Function<String, ObjectNode> render) {
    }

    /** Text in any of the languages. */
    @FunctionalInterface
    private interface Text {
        String in(String lang);
    }

    /** A language-independent item before its split is known; {@code stratum} keeps splits balanced. */
    private record Draft<T>(String parallelId, String stratum, T content) {
    }

    private record McqContent(Text question, Text correct, List<Text> wrong, Text explanation) {
    }

    private record YnmContent(Text question, Text context, String decision) {
    }

    private record NliContent(Text premise, Text hypothesis, String label) {
    }

    private static List<Source> build(Resources res) {
        return List.of(medQa(res), pubMedQa(res), bioNli(res));
    }

    /** Three multiple-choice items per fact: ask for the object, ask for the subject, pick the true statement. */
    private static Source medQa(Resources res) {
        List<Draft<McqContent>> drafts = new ArrayList<>();
        for (Fact f : res.facts) {
            String rel = f.relation();
            for (String format : List.of("ask_object", "ask_subject", "statements")) {
                String pid = String.format("MedQA-%04d", drafts.size() + 1);
                Random random = random(pid);
                McqContent content = switch (format) {
                    case "ask_object" -> new McqContent(res.sentence(rel + ".ask_object", f.subject(), null),
                            res.option(f.object()),
                            pick(res.objects(rel).stream().filter(o -> !res.related(rel, f.subject(), o)).toList(), 3,
                                    random, pid).stream().map(res::option).toList(),
                            res.sentence(rel + ".statement", f.subject(), f.object()));
                    case "ask_subject" -> new McqContent(res.sentence(rel + ".ask_subject", null, f.object()),
                            res.option(f.subject()),
                            pick(res.subjects(rel).stream().filter(s -> !res.related(rel, s, f.object())).toList(), 3,
                                    random, pid).stream().map(res::option).toList(),
                            res.sentence(rel + ".statement", f.subject(), f.object()));
                    default -> {
                        Text question = res.sentence("mcq.which_true." + (1 + random.nextInt(2)), null, null);
                        List<Text> wrong = new ArrayList<>();
                        for (String s : pick(res.subjects(rel).stream().filter(s -> !s.equals(f.subject())).toList(),
                                3, random, pid)) {
                            String o = pick(res.objects(rel).stream().filter(x -> !res.related(rel, s, x)).toList(), 1,
                                    random, pid).get(0);
                            wrong.add(res.sentence(rel + ".statement", s, o));
                        }
                        yield new McqContent(question, res.sentence(rel + ".statement", f.subject(), f.object()),
                                wrong, res.sentence(rel + ".paraphrase", f.subject(), f.object()));
                    }
                };
                drafts.add(new Draft<>(pid, rel, content));
            }
        }
        Map<String, String> splits = split(drafts, MEDQA_TEST, "MedQA");
        // The gold letter is balanced within each split: positions 0..3 in equal shares, shuffled.
        Map<String, Integer> gold = new HashMap<>();
        for (String split : SPLITS) {
            List<String> ids = drafts.stream().map(Draft::parallelId).filter(id -> split.equals(splits.get(id)))
                    .toList();
            List<Integer> positions = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                positions.add(i % LETTERS.size());
            }
            shuffle(positions, random("MedQA gold letters " + split));
            for (int i = 0; i < ids.size(); i++) {
                gold.put(ids.get(i), positions.get(i));
            }
        }
        List<Planned> items = new ArrayList<>();
        for (Draft<McqContent> d : drafts) {
            McqContent c = d.content();
            List<Text> options = new ArrayList<>(c.wrong());
            shuffle(options, random(d.parallelId() + " options"));
            int goldIndex = gold.get(d.parallelId());
            options.add(goldIndex, c.correct());
            items.add(new Planned(d.parallelId(), splits.get(d.parallelId()), lang -> {
                ObjectNode node = object(d.parallelId(), lang);
                node.put("question", c.question().in(lang));
                ObjectNode opts = node.putObject("options");
                Set<String> distinct = new HashSet<>();
                for (int i = 0; i < options.size(); i++) {
                    String text = options.get(i).in(lang);
                    if (!distinct.add(text)) {
                        throw new IllegalStateException(d.parallelId() + " (" + lang + "): two options read '" + text
                                + "'; give the entities distinct names in entities.json");
                    }
                    opts.put(LETTERS.get(i), text);
                }
                node.put("answer_idx", LETTERS.get(goldIndex));
                node.put("answer", options.get(goldIndex).in(lang));
                node.put("explanation", c.explanation().in(lang));
                return node;
            }));
        }
        return new Source(MEDQA, items);
    }

    /** Yes items state the fact, no items ask about a pairing the context refutes, maybe items are made-up trials. */
    private static Source pubMedQa(Resources res) {
        List<Fact> facts = new ArrayList<>(res.facts);
        shuffle(facts, random("PubMedQA facts"));
        List<YnmContent> contents = new ArrayList<>();
        for (int i = 0; i < PUBMEDQA_YES + PUBMEDQA_NO; i++) {
            Fact f = facts.get(i);
            String rel = f.relation();
            Random random = random("PubMedQA " + f);
            Text intro = res.sentence("context.intro." + (1 + random.nextInt(2)), null, null);
            if (i < PUBMEDQA_YES) {
                Fact other = partner(res, f, random);
                Text fact = res.sentence(rel + ".statement", f.subject(), f.object());
                Text extra = res.sentence(rel + ".statement", other.subject(), other.object());
                List<Text> sentences = random.nextBoolean() ? List.of(intro, fact, extra) : List.of(intro, extra, fact);
                sentences = new ArrayList<>(sentences);
                sentences.add(res.sentence("context.established", null, null));
                contents.add(new YnmContent(res.sentence(rel + ".yes_no", f.subject(), f.object()),
                        res.join(sentences), "yes"));
            } else {
                String wrong = pick(res.objects(rel).stream().filter(o -> !res.related(rel, f.subject(), o)).toList(),
                        1, random, f.toString()).get(0);
                String cause = res.facts.stream().filter(g -> g.relation().equals(rel) && g.object().equals(wrong))
                        .findFirst().orElseThrow().subject();
                contents.add(new YnmContent(res.sentence(rel + ".yes_no", f.subject(), wrong),
                        res.join(List.of(intro, res.sentence(rel + ".statement", f.subject(), f.object()),
                                res.sentence(rel + ".statement", cause, wrong),
                                res.sentence(rel + ".negation", f.subject(), wrong))),
                        "no"));
            }
        }
        List<String> conditions = res.entities.values().stream().filter(e -> e.kind().equals("condition"))
                .map(Entity::key).toList();
        Random trials = random("PubMedQA trials");
        Set<String> codes = new TreeSet<>();
        for (int i = 0; i < PUBMEDQA_MAYBE; i++) {
            String code;
            do {
                code = "GM-" + (100 + trials.nextInt(900));
            } while (!codes.add(code));
            String condition = conditions.get(i % conditions.size());
            Map<Character, String> slots = Map.of('C', code, 'D', condition,
                    'N', String.valueOf(2 * (12 + trials.nextInt(19))));
            contents.add(new YnmContent(res.sentence("trial.question", slots),
                    res.sentence("trial.context." + (1 + i % 2), slots), "maybe"));
        }
        shuffle(contents, random("PubMedQA order"));
        List<Draft<YnmContent>> drafts = new ArrayList<>();
        for (YnmContent c : contents) {
            drafts.add(new Draft<>(String.format("PubMedQA-%04d", drafts.size() + 1), c.decision(), c));
        }
        Map<String, String> splits = split(drafts, PUBMEDQA_TEST, "PubMedQA");
        List<Planned> items = new ArrayList<>();
        for (Draft<YnmContent> d : drafts) {
            YnmContent c = d.content();
            items.add(new Planned(d.parallelId(), splits.get(d.parallelId()), lang -> {
                ObjectNode node = object(d.parallelId(), lang);
                node.put("question", c.question().in(lang));
                node.put("context", c.context().in(lang));
                node.put("final_decision", c.decision());
                return node;
            }));
        }
        return new Source(PUBMEDQA, items);
    }

    /** A premise of two facts of one relation; the hypothesis restates one of them or negates it. */
    private static Source bioNli(Resources res) {
        List<Fact> facts = new ArrayList<>(res.facts);
        shuffle(facts, random("BioNLI facts"));
        List<NliContent> contents = new ArrayList<>();
        for (int i = 0; i < BIONLI_ITEMS; i++) {
            Fact f = facts.get(i);
            String rel = f.relation();
            Random random = random("BioNLI " + f);
            Fact other = partner(res, f, random);
            Text fact = res.sentence(rel + ".statement", f.subject(), f.object());
            Text extra = res.sentence(rel + ".statement", other.subject(), other.object());
            Text premise = res.join(random.nextBoolean() ? List.of(fact, extra) : List.of(extra, fact));
            boolean entailed = i % 2 == 0;
            contents.add(new NliContent(premise,
                    res.sentence(rel + (entailed ? ".paraphrase" : ".negation"), f.subject(), f.object()),
                    entailed ? "entailment" : "contradiction"));
        }
        shuffle(contents, random("BioNLI order"));
        List<Draft<NliContent>> drafts = new ArrayList<>();
        for (NliContent c : contents) {
            drafts.add(new Draft<>(String.format("BioNLI-%04d", drafts.size() + 1), c.label(), c));
        }
        Map<String, String> splits = split(drafts, BIONLI_TEST, "BioNLI");
        List<Planned> items = new ArrayList<>();
        for (Draft<NliContent> d : drafts) {
            NliContent c = d.content();
            items.add(new Planned(d.parallelId(), splits.get(d.parallelId()), lang -> {
                ObjectNode node = object(d.parallelId(), lang);
                node.put("premise", c.premise().in(lang));
                node.put("hypothesis", c.hypothesis().in(lang));
                node.put("label", c.label());
                return node;
            }));
        }
        return new Source(BIONLI, items);
    }

    /** Another fact of {@code f}'s relation with a different subject and object. */
    private static Fact partner(Resources res, Fact f, Random random) {
        List<Fact> candidates = res.facts.stream().filter(g -> g.relation().equals(f.relation())
                && !g.subject().equals(f.subject()) && !g.object().equals(f.object())).toList();
        return pick(candidates, 1, random, f.toString()).get(0);
    }

    /**
     * Test ids per stratum in proportion to the stratum's size (largest remainders), each stratum
     * shuffled with its own seed; everything else is train.
     */
    private static <T> Map<String, String> split(List<Draft<T>> drafts, int testCount, String salt) {
        Map<String, List<String>> strata = new LinkedHashMap<>();
        drafts.forEach(d -> strata.computeIfAbsent(d.stratum(), k -> new ArrayList<>()).add(d.parallelId()));
        Map<String, Integer> quota = new LinkedHashMap<>();
        int given = 0;
        for (Map.Entry<String, List<String>> e : strata.entrySet()) {
            int q = testCount * e.getValue().size() / drafts.size();
            quota.put(e.getKey(), q);
            given += q;
        }
        List<String> byRemainder = new ArrayList<>(strata.keySet());
        byRemainder.sort(Comparator.comparingInt(
                (String k) -> -(testCount * strata.get(k).size() % drafts.size())));
        for (Iterator<String> it = byRemainder.iterator(); given < testCount; given++) {
            quota.merge(it.next(), 1, Integer::sum);
        }
        Map<String, String> splits = new HashMap<>();
        for (Map.Entry<String, List<String>> e : strata.entrySet()) {
            List<String> ids = new ArrayList<>(e.getValue());
            shuffle(ids, random(salt + " split " + e.getKey()));
            for (int i = 0; i < ids.size(); i++) {
                splits.put(ids.get(i), i < quota.get(e.getKey()) ? "test" : "train");
            }
        }
        return splits;
    }

    private static ObjectNode object(String parallelId, String lang) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", parallelId + "-" + lang);
        node.put("parallel_id", parallelId);
        return node;
    }

    // ---------------------------------------------------------------- seeded choices

    private static Random random(String key) {
        return new Random(SEED ^ (key.hashCode() * 0x9E3779B97F4A7C15L));
    }

    /** Fisher-Yates with {@link Random#nextInt(int)}, whose sequence the JDK specifies. */
    private static <T> void shuffle(List<T> list, Random random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    private static <T> List<T> pick(List<T> candidates, int k, Random random, String what) {
        if (candidates.size() < k) {
            throw new IllegalStateException(what + ": needs " + k + " candidates, the fact table offers "
                    + candidates.size() + " " + candidates);
        }
        List<T> copy = new ArrayList<>(candidates);
        shuffle(copy, random);
        return List.copyOf(copy.subList(0, k));
    }

    // ---------------------------------------------------------------- output

    private static DefaultPrettyPrinter prettyPrinter() {
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        return new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(indenter)
                .withArrayIndenter(indenter);
    }


    // ---------------------------------------------------------------- the resources

    /** A fact of the table; {@code toString} is its seed key. */
    private record Fact(String relation, String subject, String object) {
        @Override
        public String toString() {
            return relation + ":" + subject + ":" + object;
        }
    }

    /** An entity's names: the base form (options, plain use) and the in-sentence form ({@code {X.def}}). */
    private record Entity(String key, String kind, Map<String, String> base, Map<String, String> def) {
    }

    /** The fact table, entities and templates, checked against each other when loaded. */
    private static final class Resources {
        final List<Fact> facts = new ArrayList<>();
        final Set<String> related = new HashSet<>();
        final Map<String, Entity> entities = new LinkedHashMap<>();
        final Map<String, Map<String, String>> templates = new LinkedHashMap<>();
        final Map<String, Set<String>> subjects = new LinkedHashMap<>();
        final Map<String, Set<String>> objects = new LinkedHashMap<>();

        static Resources load() {
            Resources res = new Resources();
            res.readEntities(json("entities.json"));
            res.readTemplates(json("templates.json"));
            res.readFacts();
            return res;
        }

        List<String> subjects(String relation) {
            return List.copyOf(subjects.get(relation));
        }

        List<String> objects(String relation) {
            return List.copyOf(objects.get(relation));
        }

        /** True when the table pairs the two, as a fact or as a pairing to avoid. */
        boolean related(String relation, String subject, String object) {
            return related.contains(relation + ":" + subject + ":" + object);
        }

        /** An entity as an option: its base form, capitalised where the script has case. */
        Text option(String entity) {
            Entity e = entities.get(entity);
            return lang -> capitalise(e.base().get(lang));
        }

        Text sentence(String template, String subject, String object) {
            Map<Character, String> slots = new HashMap<>();
            if (subject != null) {
                slots.put('S', subject);
            }
            if (object != null) {
                slots.put('O', object);
            }
            return sentence(template, slots);
        }

        Text sentence(String template, Map<Character, String> slots) {
            Map<String, String> texts = templates.get(template);
            if (texts == null) {
                throw new IllegalStateException("templates.json has no template '" + template + "'");
            }
            Map<Character, String> copy = Map.copyOf(slots);
            return lang -> finish(lang, fill(template, texts.get(lang), copy, lang));
        }

        Text join(List<Text> sentences) {
            List<Text> copy = List.copyOf(sentences);
            return lang -> String.join(Languages.defaults().get(lang).spaced() ? " " : "",
                    copy.stream().map(t -> t.in(lang)).toList());
        }

        private String fill(String template, String text, Map<Character, String> slots, String lang) {
            Matcher m = PLACEHOLDER.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                char slot = m.group(1).charAt(0);
                String value = slots.get(slot);
                if (value == null) {
                    throw new IllegalStateException("template '" + template + "' (" + lang + ") uses {" + slot
                            + "}, which this item does not fill");
                }
                if (ENTITY_SLOTS.contains(slot)) {
                    Entity e = entities.get(value);
                    value = (m.group(2) == null ? e.base() : e.def()).get(lang);
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return out.toString();
        }

        private void readEntities(JsonNode root) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("entities").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                String key = entry.getKey();
                JsonNode node = entry.getValue();
                Map<String, String> base = new HashMap<>();
                Map<String, String> def = new HashMap<>();
                for (String lang : LANGUAGES) {
                    String value = node.path(lang).asText("").strip();
                    String[] forms = value.split("\\|", -1);
                    if (value.isEmpty() || forms.length > 2 || forms[0].isBlank()
                            || value.matches(".*[{}+].*")) {
                        throw new IllegalStateException("entities.json: '" + key + "' has no usable " + lang
                                + " name ('" + value + "'; expected 'name' or 'name|in-sentence form', without {, }, +)");
                    }
                    base.put(lang, forms[0].strip());
                    def.put(lang, forms.length == 2 ? forms[1].strip() : forms[0].strip());
                }
                entities.put(key, new Entity(key, node.path("kind").asText(""), Map.copyOf(base), Map.copyOf(def)));
            }
        }

        private void readTemplates(JsonNode root) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("templates").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                Map<String, String> texts = new HashMap<>();
                Set<Character> expected = null;
                for (String lang : LANGUAGES) {
                    String text = entry.getValue().path(lang).asText("");
                    if (text.isBlank()) {
                        throw new IllegalStateException("templates.json: '" + entry.getKey() + "' has no " + lang
                                + " text");
                    }
                    Set<Character> used = new TreeSet<>();
                    Matcher m = PLACEHOLDER.matcher(text);
                    while (m.find()) {
                        char slot = m.group(1).charAt(0);
                        if (!ENTITY_SLOTS.contains(slot) && !LITERAL_SLOTS.contains(slot)) {
                            throw new IllegalStateException("templates.json: '" + entry.getKey() + "' (" + lang
                                    + ") has the unknown placeholder " + m.group());
                        }
                        used.add(slot);
                    }
                    if (expected != null && !expected.equals(used)) {
                        throw new IllegalStateException("templates.json: '" + entry.getKey() + "' uses " + used
                                + " in " + lang + " but " + expected + " in " + LANGUAGES.get(0));
                    }
                    expected = used;
                    texts.put(lang, text);
                }
                templates.put(entry.getKey(), Map.copyOf(texts));
            }
        }

        private void readFacts() {
            InputStream in = SampleCorpus.class.getResourceAsStream("sample/facts.tsv");
            if (in == null) {
                throw new IllegalStateException("sample/facts.tsv is missing from the globmed-lib jar");
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                int lineNo = 0;
                boolean header = true;
                for (String line; (line = reader.readLine()) != null; ) {
                    lineNo++;
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    String[] cells = line.split("\t", -1);
                    if (header) {
                        if (!String.join("\t", cells).equals("relation\tstatus\tsubject\tobject")) {
                            throw new IllegalStateException("facts.tsv line " + lineNo
                                    + ": expected the header relation, status, subject, object");
                        }
                        header = false;
                        continue;
                    }
                    if (cells.length != 4) {
                        throw new IllegalStateException("facts.tsv line " + lineNo + ": expected 4 columns, found "
                                + cells.length);
                    }
                    String rel = cells[0];
                    String status = cells[1];
                    for (String key : List.of(cells[2], cells[3])) {
                        if (!entities.containsKey(key)) {
                            throw new IllegalStateException("facts.tsv line " + lineNo + ": '" + key
                                    + "' is not an entity of entities.json");
                        }
                    }
                    if (!related.add(rel + ":" + cells[2] + ":" + cells[3])) {
                        throw new IllegalStateException("facts.tsv line " + lineNo + ": the pair appears twice");
                    }
                    switch (status) {
                        case "fact" -> {
                            facts.add(new Fact(rel, cells[2], cells[3]));
                            subjects.computeIfAbsent(rel, k -> new LinkedHashSet<>()).add(cells[2]);
                            objects.computeIfAbsent(rel, k -> new LinkedHashSet<>()).add(cells[3]);
                        }
                        case "avoid" -> { }
                        default -> throw new IllegalStateException("facts.tsv line " + lineNo
                                + ": status is 'fact' or 'avoid', not '" + status + "'");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read sample/facts.tsv: " + e.getMessage(), e);
            }
            for (String rel : subjects.keySet()) {
                for (String kind : RELATION_TEMPLATES) {
                    if (!templates.containsKey(rel + "." + kind)) {
                        throw new IllegalStateException("templates.json has no '" + rel + "." + kind
                                + "' for the relation '" + rel + "' of facts.tsv");
                    }
                }
            }
        }

        private static JsonNode json(String name) {
            try (InputStream in = SampleCorpus.class.getResourceAsStream("sample/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("sample/" + name + " is missing from the globmed-lib jar");
                }
                return new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read sample/" + name + ": " + e.getMessage(), e);
            }
        }
    }

    // ---------------------------------------------------------------- per-language finishing

    /**
     * Article contractions (fr, es, de), the joins a template marks with {@code +} (Arabic li- before
     * the article, Zulu vowel coalescence), then a capital first letter.
     */
    static String finish(String lang, String text) {
        String s = switch (lang) {
            case "fr" -> text.replaceAll("(?<!\\p{L})de le ", "du ").replaceAll("(?<!\\p{L})de les ", "des ")
                    .replaceAll("(?<!\\p{L})à le ", "au ").replaceAll("(?<!\\p{L})à les ", "aux ");
            case "es" -> text.replaceAll("(?<!\\p{L})de el ", "del ").replaceAll("(?<!\\p{L})a el ", "al ");
            case "de" -> text.replaceAll("(?<!\\p{L})von dem ", "vom ").replaceAll("(?<!\\p{L})in dem ", "im ")
                    .replaceAll("(?<!\\p{L})zu dem ", "zum ").replaceAll("(?<!\\p{L})bei dem ", "beim ");
            // li- before the article drops its alif (ل+الحصبة → للحصبة); "التهاب" starts with a
            // hamzat al-wasl, not the article, and keeps it (لالتهاب).
            case "ar" -> text.replace("ل+التهاب", "لالتهاب").replace("ل+ال", "لل").replace("ل+", "ل");
            default -> text;
        };
        if (s.indexOf('+') >= 0) {
            Matcher m = ZULU_JOIN.matcher(s);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(coalesce(m.group(1).charAt(0), m.group(2))));
            }
            s = m.appendTail(out).toString();
        }
        return capitalise(s);
    }

    /**
     * Zulu joins a prefix ending in a vowel to a noun starting with one: a+a → a, a+i → e, a+u → o,
     * i+i → i, u+u → u ({@code wa+isifo} → {@code wesifo}, {@code ngu+ukuthwala} → {@code ngukuthwala}).
     */
    private static String coalesce(char prefixVowel, String next) {
        char first = next.charAt(0);
        if ("aeiou".indexOf(first) < 0) {
            return prefixVowel + next;
        }
        char joined = switch (prefixVowel + "" + first) {
            case "aa", "ae", "ai" -> first == 'a' ? 'a' : 'e';
            case "ao", "au" -> 'o';
            case "ii" -> 'i';
            case "uu" -> 'u';
            default -> 0;
        };
        return joined == 0 ? prefixVowel + next : joined + next.substring(1);
    }

    /**
     * Upper-cases the first letter when it is a Latin one and nothing but punctuation comes before it
     * (so "β遮断薬" keeps its β).
     */
    static String capitalise(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.isLetter(cp)) {
                if (Character.UnicodeScript.of(cp) != Character.UnicodeScript.LATIN) {
                    return s;
                }
                return s.substring(0, i) + new String(Character.toChars(Character.toUpperCase(cp)))
                        + s.substring(i + Character.charCount(cp));
            }
            if (Character.isDigit(cp)) {
                return s;
            }
            i += Character.charCount(cp);
        }
        return s;
    }
}
