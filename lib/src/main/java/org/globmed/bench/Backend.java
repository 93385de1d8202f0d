package org.globmed.bench;

import java.util.List;
import java.util.Optional;
import org.globmed.model.Completion;
import org.globmed.model.Generation;
import org.globmed.model.LanguageModel;
import org.globmed.model.LogLikelihood;

/**
 * What GlobMed-Bench evaluates: the project's DJL language model, an OpenAI-compatible HTTP
 * endpoint, or imported predictions. Scoring by log-likelihood needs {@link #logLikelihood};
 * a backend that cannot score (a chat endpoint without log-probabilities) is evaluated
 * generatively.
 */
public interface Backend extends AutoCloseable {
    /** A name for results and cache keys: the model folder, the endpoint and model, the file. */
    String name();

    /**
     * A fingerprint of everything that changes the backend's answers (weights, model name,
     * endpoint): a different fingerprint invalidates cached results.
     */
    String fingerprint();

    /** Whether {@link #logLikelihood} is available. */
    boolean scores();

    /** The log-likelihood of each continuation after its context, in request order. */
    List<LogLikelihood> logLikelihood(List<LanguageModel.Continuation> requests);

    /**
     * The prompt a chat model sees for one user message (its chat template, with the assistant's
     * turn opened), for scoring answers as the assistant's reply; empty when there is none here.
     */
    default Optional<String> renderChat(String userMessage) {
        return Optional.empty();
    }

    /** Continues each prompt, in prompt order. {@code chat}: the prompt is one user message of a chat. */
    List<Completion> generate(List<String> prompts, Generation generation, boolean chat);

    @Override
    void close();
}
