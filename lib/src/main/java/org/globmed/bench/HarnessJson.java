package org.globmed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Python's {@code json.dumps}, {@code repr(float)}, {@code datetime.isoformat()} and the harness's
 * {@code hash_string}, so that {@link HarnessFormat}'s files are byte for byte what the harness
 * would write and its {@code doc_hash}/{@code prompt_hash}/{@code target_hash} are the harness's.
 */
final class HarnessJson {
    private HarnessJson() {
    }

    /** The harness's date stamp: Python's {@code datetime.isoformat()} with {@code -} for {@code :}, in UTC. */
    static String dateId(Instant date) {
        LocalDateTime t = LocalDateTime.ofInstant(date, ZoneOffset.UTC);
        String s = String.format(Locale.ROOT, "%04d-%02d-%02dT%02d-%02d-%02d", t.getYear(), t.getMonthValue(),
                t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond());
        int micros = t.getNano() / 1000;
        return micros == 0 ? s : s + String.format(Locale.ROOT, ".%06d", micros);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** Python's {@code repr(float)}: shortest digits, exponent form below 1e-4 and from 1e16. */
    static String pyRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return Double.doubleToRawLongBits(d) < 0 ? "-0.0" : "0.0";
        }
        BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = b.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - b.scale();
        String sign = d < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = b.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + String.format(Locale.ROOT, "e%s%02d", exp < 0 ? "-" : "+", Math.abs(exp));
    }

    /** Python's {@code json.dumps(x, ensure_ascii=False)}, with {@code indent=2} when {@code indent}. */
    static String pyJson(JsonNode node, boolean indent) {
        StringBuilder sb = new StringBuilder();
        writePy(sb, node, indent ? 0 : -1);
        return sb.toString();
    }

    private static void writePy(StringBuilder sb, JsonNode n, int level) {
        if (n.isObject() || n.isArray()) {
            boolean object = n.isObject();
            if (n.isEmpty()) {
                sb.append(object ? "{}" : "[]");
                return;
            }
            sb.append(object ? '{' : '[');
            boolean first = true;
            Iterator<Map.Entry<String, JsonNode>> fields = object ? n.fields() : null;
            Iterator<JsonNode> elements = object ? null : n.elements();
            while (object ? fields.hasNext() : elements.hasNext()) {
                if (!first) {
                    sb.append(',');
                }
                if (level >= 0) {
                    sb.append('\n').append("  ".repeat(level + 1));
                } else if (!first) {
                    sb.append(' ');
                }
                JsonNode value;
                if (object) {
                    Map.Entry<String, JsonNode> e = fields.next();
                    pyString(sb, e.getKey());
                    sb.append(": ");
                    value = e.getValue();
                } else {
                    value = elements.next();
                }
                writePy(sb, value, level >= 0 ? level + 1 : -1);
                first = false;
            }
            if (level >= 0) {
                sb.append('\n').append("  ".repeat(level));
            }
            sb.append(object ? '}' : ']');
        } else if (n.isTextual()) {
            pyString(sb, n.asText());
        } else if (n.isIntegralNumber()) {
            sb.append(n.bigIntegerValue());
        } else if (n.isNumber()) {
            double d = n.asDouble();
            sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : pyRepr(d));
        } else if (n.isBoolean()) {
            sb.append(n.asBoolean() ? "true" : "false");
        } else {
            sb.append("null");
        }
    }

    private static void pyString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
