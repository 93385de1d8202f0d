package org.globmed.model;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.SafeString;
import java.beans.FeatureDescriptor;
import java.time.LocalDate;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * A Hugging Face chat template rendered with Jinjava the way {@code transformers} renders it with
 * Python's Jinja2: {@code trim_blocks} and {@code lstrip_blocks} on, the trailing newline of the
 * template dropped, and the globals {@code raise_exception} and {@code strftime_now} defined.
 *
 * <p>Jinjava lacks parts of Jinja2 that real templates use. What is added, and why:
 * <ul>
 *   <li>Python string methods ({@code startswith endswith split strip lstrip rstrip upper lower replace
 *       join}) through an EL resolver: Jinja2 calls the Python {@code str}'s own methods,
 *       Jinjava only Java's (Qwen3 splits the assistant's {@code </think>} off with them).</li>
 *   <li>{@code tojson} and {@code trim} with Python's output: {@code transformers} replaces Jinja2's
 *       {@code tojson} by {@code json.dumps(ensure_ascii=False)} (spaces after {@code ,} and {@code :},
 *       {@code indent} honoured), and Python strips Unicode white space where Jinjava's {@code trim}
 *       strips control characters.</li>
 *   <li>Expression tags strip white space with a dash as block tags do (a Jinjava legacy override, off by
 *       default; Qwen3 writes every expression that way).</li>
 *   <li>Two rewrites of the template's text, because Jinjava's expression grammar cannot express them;
 *       both leave string literals, comments, raw blocks and macro or call parameters alone:
 *       <ol>
 *         <li>{@code x[::-1]} becomes {@code x|reverse}: Jinjava slices have no step (Qwen3 walks the
 *             messages backwards). Other stepped slices stay as they are and fail to parse.</li>
 *         <li>A keyword argument's value is put in parentheses, {@code f(a=b - 1)} becoming
 *             {@code f(a=(b - 1))}: Jinjava binds {@code =} as tightly as {@code +} and {@code -}, so it
 *             would compute {@code (a=b) - 1} (Qwen3's {@code namespace(last_query_index=messages|length - 1)}).</li>
 *       </ol></li>
 * </ul>
 *
 * <p>{@code strftime_now(format)} formats a fixed date rather than today: the same messages then give
 * the same prompt on every run and machine, which reproducible evaluation needs. The date defaults to
 * {@link #DEFAULT_DATE}, 26 Jul 2024, the date Llama 3.1's template falls back to without
 * {@code strftime_now}; a caller may pass another.
 *
 * <p>Known differences left in place, as templates test such values rather than print them: Jinja2 prints
 * {@code None}, {@code True} and {@code False} where Jinjava prints nothing, {@code true} and {@code false}.
 */
final class ChatTemplate {
    /** The date {@code strftime_now} formats unless the caller gives one. */
    static final LocalDate DEFAULT_DATE = LocalDate.of(2024, 7, 26);
    /** Where the date of a rendering waits for {@code strftime_now}, in the template's context. */
    private static final String DATE_VARIABLE = "__globmed_chat_date__";

    private final String prepared;

    ChatTemplate(String template) {
        this.prepared = prepare(template);
    }

    /**
     * Renders the template for {@code messages}; {@code bosToken} and {@code eosToken} may be null.
     *
     * @throws IllegalArgumentException when the template calls {@code raise_exception} (its message is kept)
     * @throws IllegalStateException    when Jinjava cannot render the template
     */
    String render(List<Map<String, String>> messages, boolean addGenerationPrompt, String bosToken,
                  String eosToken, LocalDate date) {
        List<Map<String, Object>> copies = new ArrayList<>(messages.size());
        for (Map<String, String> m : messages) {
            copies.add(new LinkedHashMap<>(m));
        }
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("messages", copies);
        context.put("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) {
            context.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            context.put("eos_token", eosToken);
        }
        // Jinja2 globals: templates ask "strftime_now is defined", which Jinjava answers from variables
        // only, while calls go to the functions registered below.
        context.put("raise_exception", "raise_exception");
        context.put("strftime_now", "strftime_now");
        context.put(DATE_VARIABLE, date);
        RenderResult result = Engine.JINJAVA.renderForResult(prepared, context);
        for (TemplateError e : result.getErrors()) {
            Throwable cause = e.getException();
            while (cause != null && !(cause instanceof Raised)) {
                cause = cause.getCause();
            }
            if (cause != null) {
                throw new IllegalArgumentException(cause.getMessage(), cause);
            }
        }
        List<String> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .map(e -> "line " + e.getLineno() + ": " + e.getMessage())
                .collect(Collectors.toList());
        if (!fatal.isEmpty()) {
            throw new IllegalStateException("Jinjava could not render the chat template: " + String.join("; ", fatal));
        }
        return result.getOutput();
    }

    // ---- the template's text ----

    /** The template as Jinjava should see it; see the class comment for each change. */
    static String prepare(String template) {
        // Jinja2 (keep_trailing_newline=False) drops one newline at the very end of a template.
        String t = template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
        StringBuilder out = new StringBuilder(t.length() + 32);
        int i = 0;
        while (i < t.length()) {
            int open = nextTagStart(t, i);
            if (open < 0) {
                out.append(t, i, t.length());
                break;
            }
            out.append(t, i, open);
            char kind = t.charAt(open + 1);
            if (kind == '#') {
                int end = t.indexOf("#}", open + 2);
                end = end < 0 ? t.length() : end + 2;
                out.append(t, open, end);
                i = end;
                continue;
            }
            int end = tagEnd(t, open + 2, kind == '{' ? '}' : '%');
            if (end < 0) { // unclosed: left as it is for Jinjava to report
                out.append(t, open, t.length());
                break;
            }
            String inner = t.substring(open + 2, end - 2);
            if (kind == '%' && inner.replace("-", " ").replace("+", " ").strip().equals("raw")) {
                int endRaw = endOfRaw(t, end);
                out.append(t, open, endRaw);
                i = endRaw;
                continue;
            }
            String keyword = inner.replace("-", " ").strip();
            boolean definesParameters = kind == '%' && (keyword.startsWith("macro") || keyword.startsWith("call"));
            out.append(t, open, open + 2).append(definesParameters ? inner : rewrite(inner)).append(t, end - 2, end);
            i = end;
        }
        return out.toString();
    }

    private static int nextTagStart(String t, int from) {
        for (int i = t.indexOf('{', from); i >= 0 && i + 1 < t.length(); i = t.indexOf('{', i + 1)) {
            char c = t.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** The index just after the end of a tag whose body starts at {@code from} (quotes skipped), or -1. */
    private static int tagEnd(String t, int from, char closer) {
        char quote = 0;
        for (int i = from; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == closer && i + 1 < t.length() && t.charAt(i + 1) == '}') {
                return i + 2;
            }
        }
        return -1;
    }

    private static int endOfRaw(String t, int from) {
        int i = from;
        while (true) {
            int open = t.indexOf("{%", i);
            if (open < 0) {
                return t.length();
            }
            int end = t.indexOf("%}", open + 2);
            if (end < 0) {
                return t.length();
            }
            if (t.substring(open + 2, end).replace("-", " ").replace("+", " ").strip().equals("endraw")) {
                return end + 2;
            }
            i = end + 2;
        }
    }

    /** The body of one tag with the two rewrites applied outside string literals. */
    static String rewrite(String body) {
        StringBuilder out = new StringBuilder(body.length() + 8);
        // One entry per open bracket: the bracket, and whether a keyword value's "(" waits to be closed.
        StringBuilder brackets = new StringBuilder();
        List<Boolean> keywordOpen = new ArrayList<>();
        char quote = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < body.length()) {
                    out.append(body.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                out.append(c);
            } else if (body.startsWith("[::-1]", i)) {
                out.append("|reverse");
                i += "[::-1]".length() - 1;
            } else if (c == '(' || c == '[' || c == '{') {
                brackets.append(c);
                keywordOpen.add(false);
                out.append(c);
            } else if (c == ')' || c == ']' || c == '}') {
                int top = brackets.length() - 1;
                if (top >= 0) {
                    if (keywordOpen.get(top)) {
                        out.append(')');
                    }
                    brackets.setLength(top);
                    keywordOpen.remove(top);
                }
                out.append(c);
            } else if (c == ',' && !brackets.isEmpty() && keywordOpen.get(brackets.length() - 1)) {
                out.append("),");
                keywordOpen.set(brackets.length() - 1, false);
            } else if (c == '=' && isKeywordEquals(body, i, brackets)) {
                out.append("=(");
                keywordOpen.set(brackets.length() - 1, true);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Whether the {@code =} at {@code i} names a keyword argument: inside a call's parentheses, after a name. */
    private static boolean isKeywordEquals(String body, int i, CharSequence brackets) {
        if (brackets.isEmpty() || brackets.charAt(brackets.length() - 1) != '(') {
            return false;
        }
        if (i + 1 < body.length() && body.charAt(i + 1) == '=') {
            return false;
        }
        int p = i - 1;
        while (p >= 0 && body.charAt(p) == ' ') {
            p--;
        }
        return p >= 0 && (Character.isLetterOrDigit(body.charAt(p)) || body.charAt(p) == '_')
                && "=!<>".indexOf(body.charAt(i - 1)) < 0;
    }

    // ---- the engine ----

    /** Thrown by {@code raise_exception}; the template author's message reaches the caller unchanged. */
    static final class Raised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Raised(String message) {
            super(message);
        }
    }

    /** The functions the template calls; Jinjava binds functions to public static methods. */
    public static final class Functions {
        private Functions() {
        }

        public static Object raiseException(Object message) {
            throw new Raised(String.valueOf(message));
        }

        public static String strftimeNow(String format) {
            Object date = JinjavaInterpreter.getCurrent().getContext().get(DATE_VARIABLE);
            return strftime(date instanceof LocalDate d ? d : DEFAULT_DATE, format);
        }
    }

    /** The one Jinjava set up for chat templates; rendering does not change it, so all tokenizers share it. */
    private static final class Engine {
        static final Jinjava JINJAVA = create();

        private static Jinjava create() {
            CompositeELResolver resolver = new CompositeELResolver();
            resolver.add(new PythonStrings());
            resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
            JinjavaConfig config = JinjavaConfig.newBuilder()
                    .withTrimBlocks(true)
                    .withLstripBlocks(true)
                    .withNestedInterpretationEnabled(false) // message text is data, never template code
                    .withElResolver(resolver)
                    .withLegacyOverrides(LegacyOverrides.newBuilder()
                            .withUseTrimmingForNotesAndExpressions(true)
                            .withParseWhitespaceControlStrictly(true)
                            .build())
                    .build();
            Jinjava jinjava = new Jinjava(config);
            jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", Functions.class,
                    "raiseException", Object.class));
            jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", Functions.class,
                    "strftimeNow", String.class));
            jinjava.registerFilter(new ToJson());
            jinjava.registerFilter(new Trim());
            return jinjava;
        }
    }

    /** Python's {@code str} methods on Java strings; other calls fall through to Jinjava's own resolvers. */
    static final class PythonStrings extends ELResolver {
        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (!(base instanceof String || base instanceof SafeString) || method == null) {
                return null;
            }
            String s = base.toString();
            Object[] a = params == null ? new Object[0] : params;
            String first = a.length > 0 && a[0] != null ? a[0].toString() : null;
            Object result = switch (method.toString()) {
                case "startswith" -> anyOf(a[0], s::startsWith);
                case "endswith" -> anyOf(a[0], s::endsWith);
                case "strip" -> strip(s, first, true, true);
                case "lstrip" -> strip(s, first, true, false);
                case "rstrip" -> strip(s, first, false, true);
                case "split" -> split(s, first, a.length > 1 ? ((Number) a[1]).intValue() : -1);
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "replace" -> s.replace(first, String.valueOf(a[1]));
                case "join" -> join(s, a[0]);
                default -> null;
            };
            if (result != null) {
                context.setPropertyResolved(true);
            }
            return result;
        }

        /** A prefix test with one string or, as Python allows, a tuple of them. */
        private static boolean anyOf(Object candidates, Predicate<String> test) {
            if (candidates instanceof Collection<?> c) {
                return c.stream().anyMatch(x -> test.test(String.valueOf(x)));
            }
            return test.test(String.valueOf(candidates));
        }

        private static String join(String separator, Object items) {
            List<String> parts = new ArrayList<>();
            if (items instanceof Iterable<?> it) {
                it.forEach(x -> parts.add(String.valueOf(x)));
            }
            return String.join(separator, parts);
        }

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
            // never resolves: the next resolver sets values
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return true;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return null;
        }
    }

    /** {@code tojson} as {@code transformers} defines it: Python's {@code json.dumps(x, ensure_ascii=False, indent=...)}. */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            String unit = indent == null ? null : indent instanceof Number n ? " ".repeat(n.intValue()) : indent.toString();
            StringBuilder out = new StringBuilder();
            json(out, var, unit, "", Boolean.TRUE.equals(kwargs.get("sort_keys")));
            return out.toString();
        }
    }

    /** Jinja2's {@code trim}: Python's {@code str.strip()}, which strips Unicode white space, or the given characters. */
    static final class Trim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return var == null ? "" : strip(var.toString(), args.length > 0 ? args[0] : null, true, true);
        }
    }

    // ---- Python semantics ----

    /** What Python's {@code str.isspace()} calls white space (Java's isWhitespace leaves out no-break spaces). */
    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
                || cp == 0x3000;
    }

    /** {@code str.strip} / {@code lstrip} / {@code rstrip}: white space, or any of {@code chars} when given. */
    static String strip(String s, String chars, boolean left, boolean right) {
        IntPredicate strips = chars == null ? ChatTemplate::isSpace : cp -> chars.indexOf(cp) >= 0;
        int start = 0;
        int end = s.length();
        while (left && start < end && strips.test(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (right && end > start && strips.test(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    /**
     * {@code str.split}: at each {@code sep}, at most {@code maxSplit} times when not negative; without a
     * separator at runs of white space, dropping empty pieces (then {@code maxSplit} is not supported).
     */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            StringBuilder word = new StringBuilder();
            s.codePoints().forEach(cp -> {
                if (!isSpace(cp)) {
                    word.appendCodePoint(cp);
                } else if (!word.isEmpty()) {
                    parts.add(word.toString());
                    word.setLength(0);
                }
            });
            if (!word.isEmpty()) {
                parts.add(word.toString());
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("split: empty separator");
        }
        int start = 0;
        for (int at = s.indexOf(sep); at >= 0 && (maxSplit < 0 || parts.size() < maxSplit); at = s.indexOf(sep, start)) {
            parts.add(s.substring(start, at));
            start = at + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** Python's {@code datetime.strftime} in the C locale, for the directives templates use (and glibc's {@code %-d}). */
    static String strftime(LocalDate date, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean pad = !(d == '-' && i + 1 < format.length());
            if (!pad) {
                d = format.charAt(++i);
            }
            String two = pad ? "%02d" : "%d";
            switch (d) {
                case 'd' -> out.append(String.format(Locale.ROOT, two, date.getDayOfMonth()));
                case 'm' -> out.append(String.format(Locale.ROOT, two, date.getMonthValue()));
                case 'y' -> out.append(String.format(Locale.ROOT, two, date.getYear() % 100));
                case 'Y' -> out.append(date.getYear());
                case 'j' -> out.append(String.format(Locale.ROOT, pad ? "%03d" : "%d", date.getDayOfYear()));
                case 'b' -> out.append(date.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> out.append(date.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'a' -> out.append(date.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> out.append(date.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'H', 'M', 'S' -> out.append(pad ? "00" : "0"); // the date is taken at midnight
                case '%' -> out.append('%');
                default -> out.append('%').append(pad ? "" : "-").append(d);
            }
        }
        return out.toString();
    }

    /** Python's {@code json.dumps}: {@code ", "} and {@code ": "} between items, or one item a line with {@code indent}. */
    static void json(StringBuilder out, Object value, String indent, String current, boolean sortKeys) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean || value instanceof Number) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            List<? extends Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            if (sortKeys) {
                entries.sort(Comparator.comparing(e -> String.valueOf(e.getKey())));
            }
            container(out, '{', '}', entries, indent, current, (e, inner) -> {
                jsonString(out, String.valueOf(e.getKey()));
                out.append(": ");
                json(out, e.getValue(), indent, inner, sortKeys);
            });
        } else if (value instanceof Iterable<?> items) {
            List<Object> list = new ArrayList<>();
            items.forEach(list::add);
            container(out, '[', ']', list, indent, current, (item, inner) -> json(out, item, indent, inner, sortKeys));
        } else {
            jsonString(out, value.toString());
        }
    }

    private static <T> void container(StringBuilder out, char open, char close, List<T> items, String indent,
                                      String current, BiConsumer<T, String> writeItem) {
        out.append(open);
        String inner = indent == null ? null : current + indent;
        for (int i = 0; i < items.size(); i++) {
            if (inner == null) {
                out.append(i == 0 ? "" : ", ");
            } else {
                out.append(i == 0 ? "\n" : ",\n").append(inner);
            }
            writeItem.accept(items.get(i), inner);
        }
        if (inner != null && !items.isEmpty()) {
            out.append('\n').append(current);
        }
        out.append(close);
    }

    /** A JSON string as Python writes it with {@code ensure_ascii=False}: only quotes, backslashes and controls escaped. */
    private static void jsonString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append(c < 0x20 ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        out.append('"');
    }
}
