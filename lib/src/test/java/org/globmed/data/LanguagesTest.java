package org.globmed.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class LanguagesTest {
    private static final String HEADER = "code\tenglish\tnative\tscript\tdirection\ttier\tspaced\n";

    @TempDir
    Path dir;

    @Test
    void defaultsCoverTheLanguagesGlobMedAndTheSampleUse() {
        Languages langs = Languages.defaults();
        for (String code : "ar bn de en es fr hi id ja ko ms pt ru sw th tr vi yo zh zu wo am ha ig".split(" ")) {
            assertTrue(langs.contains(code), code);
        }
        assertEquals(24, langs.all().size());
        assertEquals(List.of("am", "ha", "ig", "sw", "wo", "yo", "zu"),
                langs.tier(Tier.LOW).stream().map(Language::code).toList());
    }

    @Test
    void eachLanguageCarriesNamesScriptDirectionSpacingAndTier() {
        Languages langs = Languages.defaults();
        assertEquals(new Language("sw", "Swahili", "Kiswahili", "Latn", false, true, Tier.LOW), langs.get("sw"));
        assertTrue(langs.get("ar").rightToLeft());
        assertEquals("العربية", langs.get("ar").nativeName());
        assertFalse(langs.get("ja").spaced());
        assertFalse(langs.get("zh").spaced());
        assertFalse(langs.get("th").spaced());
        assertTrue(langs.get("hi").spaced());
        assertEquals("Swahili (Kiswahili)", langs.get("sw").label());
        assertEquals("English", langs.get("en").label());
        assertEquals("sw", langs.get("SW").code(), "codes are case-insensitive");
    }

    @Test
    void unknownCodeNamesItAndTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Languages.defaults().get("xx"));
        assertTrue(e.getMessage().startsWith("unknown language code 'xx'; the registry knows am ar bn"), e.getMessage());
        assertTrue(Languages.defaults().find("xx").isEmpty());
    }

    @Test
    void tiersAreConfigurableWithoutChangingTheDefaults() throws Exception {
        Languages changed = Languages.defaults().withTier("bn", Tier.LOW);
        assertEquals(Tier.LOW, changed.get("bn").tier());
        assertEquals(Tier.HIGH, Languages.defaults().get("bn").tier());

        Path file = dir.resolve("tiers.tsv");
        Files.writeString(file, HEADER + "sw\tSwahili\tKiswahili\tLatn\tLTR\tHIGH\tyes\n"
                + "ff\tFula\tFulfulde\tLatn\tLTR\tLOW\tyes\n");
        Languages merged = Languages.defaults().with(file);
        assertEquals(Tier.HIGH, merged.get("sw").tier());
        assertEquals("Fulfulde", merged.get("ff").nativeName());
        assertEquals(25, merged.all().size());
    }

    @Test
    void badRowsAreErrorsNamingFileLineAndColumn() throws Exception {
        Path file = dir.resolve("bad.tsv");
        Files.writeString(file, HEADER + "sw\tSwahili\tKiswahili\tLatn\tLTR\tMEDIUM\tyes\n"
                + "yo\tYoruba\tYorùbá\tLatn\tsideways\tLOW\tyes\n"
                + "yo\tYoruba\tYorùbá\tLatn\tLTR\tLOW\tmaybe\n"
                + "toolong\tX\tX\tLatn\tLTR\tLOW\tyes\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Languages.defaults().with(file));
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(List.of(
                file + " line 2, column tier: expected HIGH or LOW, found 'MEDIUM'",
                file + " line 3, column direction: expected LTR or RTL, found 'SIDEWAYS'",
                file + " line 4, column spaced: expected yes or no, found 'maybe'",
                file + " line 4, column code: 'yo' appears twice",
                file + " line 5, column code: expected an ISO 639 code, found 'toolong'"), lines);
    }

    @Test
    void wrongColumnsAreAnErrorThatListsTheExpectedOnes() throws Exception {
        Path file = dir.resolve("cols.tsv");
        Files.writeString(file, "code\tname\ttier\nsw\tSwahili\tLOW\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Languages.defaults().with(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("code, english, native, script, direction, tier, spaced"), e.getMessage());
    }

    @Test
    void registryAsATableHasOneRowPerLanguageWithTheTier() {
        Table t = Languages.defaults().table();
        assertEquals(24, t.rowCount());
        assertEquals(List.of(Languages.COLUMNS), t.columnNames());
        int sw = t.stringColumn("code").indexOf("sw");
        assertEquals("LOW", t.stringColumn("tier").get(sw));
        assertEquals("RTL", t.stringColumn("direction").get(t.stringColumn("code").indexOf("ar")));
    }
}
