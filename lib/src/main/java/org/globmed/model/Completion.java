package org.globmed.model;

/**
 * What {@link LanguageModel#generate} produced for one prompt.
 *
 * @param text         the new text, cut before the first stop string
 * @param tokens       the new tokens (up to and including an end token, when one stopped it)
 * @param promptTokens how many tokens the prompt had
 * @param finish       why it ended: an end token or stop string ({@code STOP}) or the token limit ({@code LENGTH})
 */
public record Completion(String text, long[] tokens, int promptTokens, Finish finish) {
    public enum Finish { STOP, LENGTH }
}
