package org.globmed.data;

/**
 * One language of the registry.
 *
 * @param code       ISO 639-1 code, as GlobMed's folder names use it ("sw")
 * @param english    English name ("Swahili")
 * @param nativeName the language's own name ("Kiswahili")
 * @param script     ISO 15924 script code ("Latn", "Arab", "Hans")
 * @param rightToLeft whether the script is written right to left
 * @param spaced     whether words are separated by spaces (not in Chinese, Japanese, Thai), for
 *                   word counts and token metrics
 * @param tier       resource tier, HIGH or LOW
 */
public record Language(String code, String english, String nativeName, String script, boolean rightToLeft,
                       boolean spaced, Tier tier) {

    /** "Swahili (Kiswahili)", or just the name when both are the same. */
    public String label() {
        return english.equals(nativeName) ? english : english + " (" + nativeName + ")";
    }
}
