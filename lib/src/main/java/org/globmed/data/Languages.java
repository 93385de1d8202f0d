package org.globmed.data;

import com.univocity.parsers.tsv.TsvParser;
import com.univocity.parsers.tsv.TsvParserSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tech.tablesaw.api.Table;

/**
 * The language registry, as data: ISO code, English and native name, script, direction, word
 * spacing and resource tier of every language GlobMed (and this project's sample) uses.
 *
 * <p>The defaults are the resource {@code languages.tsv} next to this class. Which four languages
 * the paper counts as low-resource could not be checked offline, so the defaults mark the African
 * languages LOW; a study that groups them otherwise overrides the tiers, with
 * {@link #withTier(String, Tier)} or a TSV file of the same columns ({@link #with(Path)}) whose
 * rows replace or add languages by code.
 *
 * <pre>{@code
 * Languages langs = Languages.defaults().with(Path.of("my-tiers.tsv"));
 * langs.get("sw").tier();   // LOW
 * langs.table();            // one row per language, for display
 * }</pre>
 */
public final class Languages {
    static final String[] COLUMNS = {"code", "english", "native", "script", "direction", "tier", "spaced"};
    private static final Languages DEFAULTS = parse(resource(), "languages.tsv (built in)");

    private final Map<String, Language> byCode;

    private Languages(Map<String, Language> byCode) {
        this.byCode = Map.copyOf(byCode);
    }

    /** The built-in registry. */
    public static Languages defaults() {
        return DEFAULTS;
    }

    /** This registry with the rows of a TSV file (same columns, header first) added or replacing by code. */
    public Languages with(Path overrides) {
        try (InputStream in = Files.newInputStream(overrides)) {
            return merge(parse(in, overrides.toString()).byCode.values());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the language file " + overrides + ": " + e.getMessage(), e);
        }
    }

    /** This registry with {@code code}'s tier set to {@code tier}. */
    public Languages withTier(String code, Tier tier) {
        Language l = get(code);
        return merge(List.of(new Language(l.code(), l.english(), l.nativeName(), l.script(), l.rightToLeft(),
                l.spaced(), tier)));
    }

    /** The language of {@code code}; an unknown code is an error that lists the known ones. */
    public Language get(String code) {
        return find(code).orElseThrow(() -> new IllegalArgumentException("unknown language code '" + code
                + "'; the registry knows " + String.join(" ", byCode.keySet().stream().sorted().toList())
                + " (add languages with Languages.with(Path))"));
    }

    public Optional<Language> find(String code) {
        return Optional.ofNullable(code == null ? null : byCode.get(code.toLowerCase(Locale.ROOT)));
    }

    public boolean contains(String code) {
        return find(code).isPresent();
    }

    /** Every language, by code. */
    public List<Language> all() {
        return byCode.values().stream().sorted((a, b) -> a.code().compareTo(b.code())).toList();
    }

    /** The languages of a tier, by code. */
    public List<Language> tier(Tier tier) {
        return all().stream().filter(l -> l.tier() == tier).toList();
    }

    /** The registry as a table, one row per language. */
    public Table table() {
        Table t = Table.create("Languages");
        for (String c : COLUMNS) {
            t.addColumns(tech.tablesaw.api.StringColumn.create(c));
        }
        for (Language l : all()) {
            t.stringColumn("code").append(l.code());
            t.stringColumn("english").append(l.english());
            t.stringColumn("native").append(l.nativeName());
            t.stringColumn("script").append(l.script());
            t.stringColumn("direction").append(l.rightToLeft() ? "RTL" : "LTR");
            t.stringColumn("tier").append(l.tier().name());
            t.stringColumn("spaced").append(l.spaced() ? "yes" : "no");
        }
        return t;
    }

    private Languages merge(Collection<Language> languages) {
        Map<String, Language> merged = new LinkedHashMap<>(byCode);
        languages.forEach(l -> merged.put(l.code(), l));
        return new Languages(merged);
    }

    private static InputStream resource() {
        InputStream in = Languages.class.getResourceAsStream("languages.tsv");
        if (in == null) {
            throw new IllegalStateException("languages.tsv is missing from the globmed-lib jar");
        }
        return in;
    }

    /**
     * Reads a registry TSV with univocity's TSV parser (what Tablesaw reads CSV with; used directly
     * because Tablesaw's Table class scans the class path when first touched, a second of CPU the
     * loader should not spend before reading data). Every bad cell is an error naming the source,
     * line and column.
     */
    static Languages parse(InputStream in, String source) {
        TsvParserSettings settings = new TsvParserSettings();
        settings.setHeaderExtractionEnabled(true);
        settings.setNullValue("");
        settings.setSkipEmptyLines(true);
        TsvParser parser = new TsvParser(settings);
        List<String[]> rows;
        List<Long> lines = new ArrayList<>();
        try {
            parser.beginParsing(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
            rows = new ArrayList<>();
            String[] row;
            while ((row = parser.parseNext()) != null) {
                rows.add(row);
                lines.add(parser.getContext().currentLine());
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": not a language table with the columns "
                    + String.join(", ", COLUMNS) + " (" + e.getMessage() + ")", e);
        } finally {
            parser.stopParsing();
        }
        String[] header = parser.getRecordMetadata() == null ? null : parser.getRecordMetadata().headers();
        List<String> names = header == null ? List.of() : List.of(header);
        if (!names.equals(List.of(COLUMNS))) {
            throw new IllegalArgumentException(source + ": expected the columns " + String.join(", ", COLUMNS)
                    + " in that order, found " + String.join(", ", names));
        }
        Map<String, Language> byCode = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int r = 0; r < rows.size(); r++) {
            String[] cells = java.util.Arrays.copyOf(rows.get(r), COLUMNS.length);
            for (int c = 0; c < cells.length; c++) {
                cells[c] = cells[c] == null ? "" : cells[c];
            }
            long line = lines.get(r);
            int before = problems.size();
            String code = cells[0].strip().toLowerCase(Locale.ROOT);
            if (!code.matches("[a-z]{2,3}")) {
                problems.add(source + " line " + line + ", column code: expected an ISO 639 code, found '" + code + "'");
                continue;
            }
            String direction = cells[4].strip().toUpperCase(Locale.ROOT);
            String tier = cells[5].strip().toUpperCase(Locale.ROOT);
            String spaced = cells[6].strip().toLowerCase(Locale.ROOT);
            if (!direction.equals("LTR") && !direction.equals("RTL")) {
                problems.add(source + " line " + line + ", column direction: expected LTR or RTL, found '" + direction + "'");
            }
            if (!tier.equals("HIGH") && !tier.equals("LOW")) {
                problems.add(source + " line " + line + ", column tier: expected HIGH or LOW, found '" + tier + "'");
            }
            if (!spaced.equals("yes") && !spaced.equals("no")) {
                problems.add(source + " line " + line + ", column spaced: expected yes or no, found '" + spaced + "'");
            }
            if (!seen.add(code)) {
                problems.add(source + " line " + line + ", column code: '" + code + "' appears twice");
            }
            if (problems.size() == before) {
                byCode.put(code, new Language(code, cells[1].strip(), cells[2].strip(), cells[3].strip(),
                        direction.equals("RTL"), spaced.equals("yes"),
                        Tier.valueOf(tier)));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return new Languages(byCode);
    }
}
