package org.globmed.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.globmed.model.Generation;

/** Reads the fields of OpenAI request bodies; a wrong field is an {@link ApiError} that names it. */
final class Requests {
    /** OpenAI's own cap on {@code logprobs} for completions. */
    static final int MAX_LOGPROBS = 20;

    private Requests() {
    }

    /** A prompt as text, or as token ids (what lm-evaluation-harness sends by default). */
    record Prompt(String text, long[] ids) {
    }

    /** How to decode, without the token limit (which chat fills in once it knows the prompt's length). */
    record Sampling(double temperature, double topP, long seed, List<String> stop) {
        Generation generation(int maxTokens) {
            Generation g = Generation.greedy(maxTokens).withStop(stop.toArray(String[]::new));
            return temperature == 0 ? g : g.withSampling(temperature, topP, seed);
        }
    }

    /** {@code prompt}: a string, a list of strings, a list of token ids, or a list of such lists. */
    static List<Prompt> prompts(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiError.invalid("prompt", "prompt is required: a string, a list of strings, a list of token ids"
                    + " or a list of lists of token ids");
        }
        if (node.isTextual()) {
            return List.of(new Prompt(node.asText(), null));
        }
        if (!node.isArray() || node.isEmpty()) {
            throw ApiError.invalid("prompt", "prompt must be a string or a non-empty list, not " + describe(node));
        }
        if (node.get(0).isIntegralNumber()) {
            return List.of(new Prompt(null, ids(node, "prompt")));
        }
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode p = node.get(i);
            if (p.isTextual()) {
                out.add(new Prompt(p.asText(), null));
            } else if (p.isArray() && !p.isEmpty()) {
                out.add(new Prompt(null, ids(p, "prompt[" + i + "]")));
            } else {
                throw ApiError.invalid("prompt", "prompt[" + i + "] must be a string or a non-empty list of token ids, not "
                        + describe(p));
            }
        }
        return out;
    }

    private static long[] ids(JsonNode array, String where) {
        long[] ids = new long[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber()) {
                throw ApiError.invalid("prompt", where + "[" + i + "] must be a token id (an integer), not " + describe(id));
            }
            ids[i] = id.asLong();
        }
        return ids;
    }

    /** {@code messages}: role and content (a string, or a list of text parts) of each. */
    static List<Map<String, String>> messages(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty list of {\"role\", \"content\"} objects, not "
                    + describe(node));
        }
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            JsonNode role = m.get("role");
            if (!m.isObject() || role == null || !role.isTextual()) {
                throw ApiError.invalid("messages", "messages[" + i + "] needs a string role, got " + describe(m));
            }
            Map<String, String> message = new LinkedHashMap<>();
            message.put("role", role.asText());
            message.put("content", content(m.get("content"), i));
            out.add(message);
        }
        return out;
    }

    private static String content(JsonNode content, int i) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid("messages", "messages[" + i + "].content: only text parts"
                            + " ({\"type\": \"text\", \"text\": ...}) are supported, got " + describe(part));
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.invalid("messages", "messages[" + i + "].content must be a string or a list of text parts, not "
                + describe(content));
    }

    static Sampling sampling(JsonNode body) {
        double temperature = number(body, "temperature", 1.0, 0, 2);
        double topP = number(body, "top_p", 1.0, 0, 1);
        if (topP == 0) {
            throw ApiError.invalid("top_p", "top_p must be in (0, 1], not 0");
        }
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull() && !seed.isIntegralNumber()) {
            throw ApiError.invalid("seed", "seed must be an integer, not " + describe(seed));
        }
        // Without a seed, sampling differs between requests, as OpenAI's does.
        long s = seed == null || seed.isNull() ? ThreadLocalRandom.current().nextLong() : seed.asLong();
        return new Sampling(temperature, topP, s, stop(body.get("stop")));
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (node.isTextual()) {
            out.add(node.asText());
        } else if (node.isArray()) {
            for (JsonNode s : node) {
                if (!s.isTextual()) {
                    throw ApiError.invalid("stop", "stop must be a string or a list of strings; found " + describe(s));
                }
                out.add(s.asText());
            }
        } else {
            throw ApiError.invalid("stop", "stop must be a string or a list of strings, not " + describe(node));
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiError.invalid("stop", "a stop string must not be empty");
        }
        return out;
    }

    /** An optional integer field in [min, max]; {@code fallback} (may be null) when absent. */
    static Integer integer(JsonNode body, String field, Integer fallback, int min, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiError.invalid(field, field + " must be an integer from " + min
                    + (max == Integer.MAX_VALUE ? " up" : " to " + max) + ", not " + describe(v));
        }
        return v.asInt();
    }

    static double number(JsonNode body, String field, double fallback, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw ApiError.invalid(field, field + " must be a number from " + min + " to " + max + ", not " + describe(v));
        }
        return v.asDouble();
    }

    static boolean bool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiError.invalid(field, field + " must be true or false, not " + describe(v));
        }
        return v.asBoolean();
    }

    /** Fields this server does not implement, refused rather than silently ignored when they would change the answer. */
    static void refuseUnsupported(JsonNode body) {
        Integer n = integer(body, "n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) {
            throw ApiError.invalid("n", "n must be 1: this server returns one choice per prompt");
        }
        if (bool(body, "stream")) {
            throw ApiError.invalid("stream", "stream is not supported: send \"stream\": false (or leave it out)");
        }
        Integer bestOf = integer(body, "best_of", 1, 1, Integer.MAX_VALUE);
        if (bestOf != 1) {
            throw ApiError.invalid("best_of", "best_of must be 1 on this server");
        }
    }

    /** A short description of a JSON value for messages: its type and a cut of its text. */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        String text = node.toString();
        String type = node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        return type + " " + (text.length() > 60 ? text.substring(0, 57) + "..." : text);
    }
}
