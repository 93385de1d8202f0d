package org.globmed.data;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The per-source field adapters: one JSON record of any GlobMed source becomes an {@link Item}.
 * The variant is detected from the record's fields, so a renamed folder or a single file still
 * loads; a {@link FieldMapping} given for the source replaces detection.
 *
 * <table>
 *   <caption>Recognised variants</caption>
 *   <tr><th>variant</th><th>fields</th></tr>
 *   <tr><td>MedMCQA</td><td>question, opa..ope, cop (0- or 1-based: decided per file), exp</td></tr>
 *   <tr><td>HeadQA</td><td>qtext, answers[{aid, atext}], ra (an aid)</td></tr>
 *   <tr><td>MMLU-Pro</td><td>question, options[], answer_index and/or answer, cot_content</td></tr>
 *   <tr><td>MedQA, MedExpQA</td><td>question|full_question, options{A..|1..}, answer_idx|correct_option|answer,
 *       explanation|full_answer</td></tr>
 *   <tr><td>PubMedQA</td><td>question, context (text, list or {contexts}), final_decision, long_answer</td></tr>
 *   <tr><td>NLI (BioNLI)</td><td>premise, hypothesis, label (text; BioNLI is binary, others three-way)</td></tr>
 *   <tr><td>QA (LiveQA, ExpertQA)</td><td>question, answer (ExpertQA sources are long-form)</td></tr>
 * </table>
 *
 * Ids: the data's own id ({@code id}, {@code qid}, {@code question_id}, {@code uid}) becomes
 * {@code source/lang/id}, else {@code source/lang/split/index}, so ids are unique across languages
 * even where translations kept the source dataset's ids. Parallel groups: {@code parallel_id} or
 * {@code parallel_group} when present; else the data's id ({@code source/id}, since translations
 * keep it); else the row ({@code source/split/index}), because a translated split keeps the order
 * of the split it was translated from.
 */
final class Records {
    static final List<String> YES_NO_MAYBE = List.of("yes", "no", "maybe");
    static final List<String> NLI_BINARY = List.of("entailment", "contradiction");
    static final List<String> NLI_THREE_WAY = List.of("entailment", "neutral", "contradiction");
    private static final String[] ID_FIELDS = {"id", "qid", "question_id", "uid"};
    private static final String[] PARALLEL_FIELDS = {"parallel_id", "parallel_group"};
    private static final List<String> MEDMCQA_OPTIONS = List.of("opa", "opb", "opc", "opd", "ope");
    /** What each published source's records hold, for the message when a record fits no variant. */
    private static final Map<String, String> EXPECTED = Map.of(
            "medqa", "question, options {A: ..}, answer_idx or answer",
            "medmcqa", "question, opa..opd, cop",
            "headqa", "qtext, answers [{aid, atext}], ra",
            "mmlu-pro", "question, options [..], answer_index or answer",
            "medexpqa", "full_question, options {1: ..}, correct_option",
            "pubmedqa", "question, context, final_decision",
            "bionli", "premise, hypothesis, label",
            "liveqa", "question, answer",
            "expertqa-med", "question, answer",
            "expertqa-bio", "question, answer");

    private Records() {
    }

    /**
     * The file records come from, with what all its records share worked out once: id prefixes,
     * the source's task conventions, and what its scan decided (MedMCQA's cop base).
     */
    static final class Origin {
        final String source;
        final String language;
        final String split;
        final boolean copOneBased;
        final String idPrefix;
        final String rowIdPrefix;
        final String groupPrefix;
        final String rowGroupPrefix;
        final boolean binaryNli;
        final boolean longForm;

        Origin(String source, String language, String split, boolean copOneBased) {
            this.source = source;
            this.language = language;
            this.split = split;
            this.copOneBased = copOneBased;
            this.idPrefix = source + "/" + language + "/";
            this.rowIdPrefix = idPrefix + split + "/";
            this.groupPrefix = source + "/";
            this.rowGroupPrefix = groupPrefix + split + "/";
            String lower = source.toLowerCase(Locale.ROOT);
            this.binaryNli = lower.contains("bionli");
            this.longForm = lower.startsWith("expertqa");
        }
    }

    /** A record that cannot become an item: the field at fault (or null) and what was expected. */
    static final class BadRecord extends Exception {
        final String field;

        BadRecord(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }

    /** The record's own id, or null when it has none (the item's id is then made from its position). */
    static String dataId(Map<String, Object> node, FieldMapping mapping) throws BadRecord {
        return firstScalar(node, mapping == null ? ID_FIELDS : new String[]{mapping.id});
    }

    /**
     * The item of record {@code index} of a file; {@code dataId} is {@link #dataId}'s answer for
     * the record, which the caller also needs (only such ids can repeat).
     */
    static Item toItem(Map<String, Object> node, Origin origin, int index, FieldMapping mapping, String dataId)
            throws BadRecord {
        String id = dataId != null ? origin.idPrefix + dataId : origin.rowIdPrefix + index;
        String parallelKey = firstScalar(node, mapping == null || mapping.parallel == null ? PARALLEL_FIELDS
                : new String[]{mapping.parallel});
        String parallel = parallelKey != null ? parallelKey
                : dataId != null ? origin.groupPrefix + dataId : origin.rowGroupPrefix + index;
        Parsed p = mapping != null ? mapped(node, mapping) : detected(node, origin);
        try {
            return new Item(id, origin.source, p.task, origin.language, origin.split, p.question, p.context, p.premise,
                    p.hypothesis, p.options, p.goldIndex, p.goldText, p.explanation, parallel);
        } catch (IllegalArgumentException e) {
            throw new BadRecord(null, e.getMessage());
        }
    }

    /** The fields of an item before it has an id. */
    private record Parsed(Task task, String question, String context, String premise, String hypothesis,
                          List<String> options, int goldIndex, String goldText, String explanation) {
        static Parsed choice(Task task, String question, String context, String premise, String hypothesis,
                             Options options, int goldIndex, String explanation) {
            return new Parsed(task, question, context, premise, hypothesis, options.texts, goldIndex, null,
                    explanation);
        }
    }

    /** Option texts with the keys they had in an object ("A".., "1"..), or null keys for an array. */
    private record Options(List<String> texts, List<String> keys) {
    }

    private static Parsed detected(Map<String, Object> node, Origin origin) throws BadRecord {
        if (node.containsKey("opa")) {
            Options options = optionFields(node, MEDMCQA_OPTIONS);
            int gold = resolve(node, "cop", options, origin.copOneBased);
            return Parsed.choice(Task.MCQ, text(node, "question"), null, null, null, options, gold,
                    optionalText(node, "exp"));
        }
        if (node.containsKey("answers") && node.containsKey("ra")) {
            return headQa(node);
        }
        Object options = node.get("options");
        if (options instanceof List) {
            return mmluPro(node);
        }
        if (options instanceof Map) {
            Options opts = optionObject(node, "options");
            String answerField = firstPresent(node, "answer_idx", "correct_option", "answer");
            if (answerField == null) {
                throw new BadRecord("answer_idx", "missing; expected one of answer_idx, correct_option, answer");
            }
            String question = text(node, node.containsKey("full_question") ? "full_question" : "question");
            String explanation = optionalText(node, firstPresent(node, "explanation", "full_answer", "exp"));
            return Parsed.choice(Task.MCQ, question, null, null, null, opts, resolve(node, answerField, opts, true),
                    explanation);
        }
        if (options != null) {
            throw new BadRecord("options", "expected an array or an object of option texts, found "
                    + type(options));
        }
        if (node.containsKey("final_decision")) {
            Options labels = new Options(YES_NO_MAYBE, null);
            int gold = resolve(node, "final_decision", labels, false);
            return Parsed.choice(Task.YES_NO_MAYBE, text(node, "question"), context(node, "context"), null, null,
                    labels, gold, optionalText(node, "long_answer"));
        }
        if (node.containsKey("premise") || node.containsKey("hypothesis")) {
            boolean binary = origin.binaryNli;
            Options labels = new Options(binary ? NLI_BINARY : NLI_THREE_WAY, null);
            Object label = node.get("label");
            if (label instanceof Number) {
                throw new BadRecord("label", "numeric label " + label + " means different things in different NLI"
                        + " datasets; expected one of " + labels.texts + ", or a FieldMapping with labels(...)");
            }
            int gold = resolve(node, "label", labels, false);
            return Parsed.choice(Task.NLI, null, null, text(node, "premise"), text(node, "hypothesis"), labels, gold,
                    null);
        }
        if (node.containsKey("question") && node.containsKey("answer")) {
            Task task = origin.longForm ? Task.LONG_FORM_QA : Task.OPEN_QA;
            return new Parsed(task, text(node, "question"), null, null, null, List.of(), -1, text(node, "answer"),
                    null);
        }
        List<String> names = new ArrayList<>(node.keySet());
        String expected = EXPECTED.get(origin.source.toLowerCase(Locale.ROOT));
        throw new BadRecord(null, "cannot tell which GlobMed source format this record has (fields " + names + "); "
                + (expected != null ? "expected " + origin.source + "'s fields: " + expected
                : "expected the fields of MedQA, MedMCQA, HeadQA, MMLU-Pro, MedExpQA, PubMedQA, BioNLI, LiveQA or"
                + " ExpertQA") + ", or pass a FieldMapping for this source");
    }

    private static Parsed headQa(Map<String, Object> node) throws BadRecord {
        if (!(node.get("answers") instanceof List<?> answers) || answers.isEmpty()) {
            throw new BadRecord("answers", "expected a non-empty array of {aid, atext}, found "
                    + type(node.get("answers")));
        }
        List<String> texts = new ArrayList<>();
        List<String> aids = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            if (!(answers.get(i) instanceof Map<?, ?> a)) {
                throw new BadRecord("answers[" + i + "]", "expected an object {aid, atext}, found "
                        + type(answers.get(i)));
            }
            texts.add(textValue(a.get("atext"), "answers[" + i + "].atext"));
            if (!isScalar(a.get("aid"))) {
                throw new BadRecord("answers[" + i + "].aid", "missing; expected the answer's id");
            }
            aids.add(a.get("aid").toString());
        }
        Object ra = node.get("ra");
        int gold = isScalar(ra) ? aids.indexOf(ra.toString()) : -1;
        if (gold < 0) {
            throw new BadRecord("ra", "ra=" + ra + " is not the aid of any answer; expected one of " + aids);
        }
        return Parsed.choice(Task.MCQ, text(node, "qtext"), null, null, null, new Options(texts, null), gold,
                null);
    }

    private static Parsed mmluPro(Map<String, Object> node) throws BadRecord {
        Options options = optionArray(node, "options");
        boolean hasIndex = node.containsKey("answer_index");
        boolean hasAnswer = node.containsKey("answer");
        if (!hasIndex && !hasAnswer) {
            throw new BadRecord("answer_index", "missing; expected answer_index or answer");
        }
        int gold = resolve(node, hasIndex ? "answer_index" : "answer", options, false);
        if (hasIndex && hasAnswer && node.get("answer") instanceof String) {
            int byAnswer = resolve(node, "answer", options, false);
            if (byAnswer != gold) {
                throw new BadRecord("answer", "answer " + node.get("answer") + " designates option "
                        + Answers.label(byAnswer) + " but answer_index " + node.get("answer_index")
                        + " designates option " + Answers.label(gold) + "; expected them to agree");
            }
        }
        String cot = optionalText(node, "cot_content");
        return Parsed.choice(Task.MCQ, text(node, "question"), null, null, null, options, gold,
                cot == null || cot.isBlank() ? null : cot);
    }

    private static Parsed mapped(Map<String, Object> node, FieldMapping m) throws BadRecord {
        String explanation = optionalText(node, m.explanation);
        if (!m.task.isChoice()) {
            return new Parsed(m.task, text(node, m.question), null, null, null, List.of(), -1, text(node, m.answer),
                    explanation);
        }
        Options options;
        if (!m.options.isEmpty() && (m.task == Task.MCQ || m.labels.isEmpty())) {
            options = m.options.size() == 1 ? optionsIn(node, m.options.get(0)) : optionFields(node, m.options);
        } else {
            options = new Options(m.labels, null);
        }
        int gold = resolve(node, m.answer, options, m.oneBased);
        return switch (m.task) {
            case NLI -> Parsed.choice(m.task, null, null, text(node, m.premise), text(node, m.hypothesis), options,
                    gold, explanation);
            case YES_NO_MAYBE -> Parsed.choice(m.task, text(node, m.question), context(node, m.context), null, null,
                    options, gold, explanation);
            default -> Parsed.choice(m.task, text(node, m.question), null, null, null, options, gold, explanation);
        };
    }

    private static Options optionsIn(Map<String, Object> node, String field) throws BadRecord {
        return node.get(field) instanceof Map ? optionObject(node, field) : optionArray(node, field);
    }

    private static Options optionArray(Map<String, Object> node, String field) throws BadRecord {
        Object value = node.get(field);
        if (!(value instanceof List<?> array) || array.isEmpty()) {
            throw new BadRecord(field, value == null ? "missing; expected an array of option texts"
                    : "expected a non-empty array of option texts, found " + type(value));
        }
        List<String> texts = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            texts.add(textValue(array.get(i), field + "[" + i + "]"));
        }
        return new Options(texts, null);
    }

    private static Options optionObject(Map<String, Object> node, String field) throws BadRecord {
        Object value = node.get(field);
        if (!(value instanceof Map<?, ?> object) || object.isEmpty()) {
            throw new BadRecord(field, "expected a non-empty object of option texts, found " + type(value));
        }
        List<String> texts = new ArrayList<>(object.size());
        List<String> keys = new ArrayList<>(object.size());
        for (Map.Entry<?, ?> e : object.entrySet()) {
            keys.add((String) e.getKey());
            texts.add(textValue(e.getValue(), field + "." + e.getKey()));
        }
        return new Options(texts, keys);
    }

    private static Options optionFields(Map<String, Object> node, List<String> fields) throws BadRecord {
        List<String> texts = new ArrayList<>(fields.size());
        for (String f : fields) {
            Object v = node.get(f);
            if (v == null && texts.size() >= 2 && fields == MEDMCQA_OPTIONS) {
                break; // MedMCQA has four options; ope is the rare fifth
            }
            texts.add(textValue(v, f));
        }
        return new Options(texts, null);
    }

    /** The gold index: an option key of an object ("C", "3") first, then any form {@link Answers} reads. */
    private static int resolve(Map<String, Object> node, String field, Options options, boolean oneBased) throws BadRecord {
        Object answer = node.get(field);
        if (answer == null) {
            throw new BadRecord(field, (node.containsKey(field) ? "null" : "missing") + "; expected the gold answer");
        }
        if (!(answer instanceof String) && !isIntegral(answer)) {
            throw new BadRecord(field, "expected a letter, an index or an option's text, found " + type(answer));
        }
        if (options.keys != null) {
            int byKey = options.keys.indexOf(answer.toString().strip());
            if (byKey >= 0) {
                return byKey;
            }
        }
        try {
            return Answers.resolve(answer, options.texts, oneBased);
        } catch (IllegalArgumentException e) {
            throw new BadRecord(field, e.getMessage());
        }
    }

    private static String context(Map<String, Object> node, String field) throws BadRecord {
        Object value = node.get(field);
        if (value instanceof Map<?, ?> map && map.containsKey("contexts")) {
            return joined(map.get("contexts"), field + ".contexts");
        }
        if (value instanceof List) {
            return joined(value, field);
        }
        return text(node, field);
    }

    private static String joined(Object value, String field) throws BadRecord {
        if (!(value instanceof List<?> array)) {
            throw new BadRecord(field, "expected an array of passages, found " + type(value));
        }
        List<String> parts = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            parts.add(textValue(array.get(i), field + "[" + i + "]"));
        }
        return String.join("\n", parts);
    }

    private static String text(Map<String, Object> node, String field) throws BadRecord {
        Object value = node.get(field);
        if (value == null && node.containsKey(field)) {
            throw new BadRecord(field, "null; expected text");
        }
        return textValue(value, field);
    }

    private static String textValue(Object value, String path) throws BadRecord {
        if (value == null) {
            throw new BadRecord(path, "missing; expected text");
        }
        if (!(value instanceof String s)) {
            throw new BadRecord(path, "expected text, found " + type(value));
        }
        if (s.isBlank()) {
            throw new BadRecord(path, "empty; expected text");
        }
        return s;
    }

    private static String optionalText(Map<String, Object> node, String field) throws BadRecord {
        if (field == null) {
            return null;
        }
        Object value = node.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw new BadRecord(field, "expected text, found " + type(value));
        }
        return s.isEmpty() ? null : s;
    }

    private static String firstScalar(Map<String, Object> node, String[] fields) throws BadRecord {
        for (String f : fields) {
            Object v = node.get(f);
            if (v != null) {
                if (!(v instanceof String) && !isIntegral(v)) {
                    throw new BadRecord(f, "expected text or an integer, found " + type(v));
                }
                String s = v.toString();
                if (s.isBlank()) {
                    throw new BadRecord(f, "empty; expected an identifier");
                }
                return s;
            }
        }
        return null;
    }

    private static String firstPresent(Map<String, Object> node, String... fields) {
        for (String f : fields) {
            if (node.containsKey(f)) {
                return f;
            }
        }
        return null;
    }

    /** How messages describe a JSON value read by {@link JsonValues}. */
    static String type(Object value) {
        if (value == null) {
            return "nothing";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof String s) {
            return "text " + abbreviate(s);
        }
        if (value instanceof Number) {
            return "the number " + value;
        }
        return "the boolean " + value;
    }

    private static boolean isIntegral(Object value) {
        return value instanceof Integer || value instanceof Long || value instanceof BigInteger;
    }

    private static boolean isScalar(Object value) {
        return value instanceof String || value instanceof Number || value instanceof Boolean;
    }

    private static String abbreviate(String s) {
        return "'" + (s.length() <= 40 ? s : s.substring(0, 37) + "...") + "'";
    }
}
