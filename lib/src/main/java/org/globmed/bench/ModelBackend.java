package org.globmed.bench;

import java.util.List;
import java.util.Optional;
import org.globmed.model.Completion;
import org.globmed.model.Generation;
import org.globmed.model.LanguageModel;
import org.globmed.model.LogLikelihood;

/** The project's DJL language model as a backend, in process, on whatever device it was loaded to. */
final class ModelBackend implements Backend {
    private final LanguageModel model;
    private final String name;
    private final int batchSize;

    ModelBackend(LanguageModel model, String name, int batchSize) {
        this.model = model;
        this.name = name;
        this.batchSize = batchSize;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * The architecture and a digest of every weight: another checkpoint, or the same one after
     * more training, never reuses cached answers.
     */
    @Override
    public String fingerprint() {
        return name + "|" + model.config().toJson().hashCode() + "|" + model.weightDigest();
    }

    @Override
    public boolean scores() {
        return true;
    }

    @Override
    public List<LogLikelihood> logLikelihood(List<LanguageModel.Continuation> requests) {
        return model.logLikelihood(requests, batchSize);
    }

    @Override
    public List<Completion> generate(List<String> prompts, Generation generation, boolean chat) {
        List<String> texts = chat ? prompts.stream().map(p -> model.chatPrompt(p).orElse(p)).toList() : prompts;
        return model.generate(texts, generation, batchSize);
    }

    @Override
    public Optional<String> renderChat(String userMessage) {
        return model.chatPrompt(userMessage);
    }

    @Override
    public void close() {
        // the caller owns the model
    }
}
