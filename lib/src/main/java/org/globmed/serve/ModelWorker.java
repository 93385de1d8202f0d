package org.globmed.serve;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import org.globmed.model.LanguageModel;

/**
 * The one thread that runs the model and encodes with its tokenizer (the model is not thread-safe).
 * Request threads hand it work and wait; they lay out scoring answers themselves, since decoding
 * only reads the tokenizer. Scoring requests that wait together are run as one batch, so
 * concurrent clients share forward passes; anything else (generation, tokenising, chat answers)
 * runs alone, in arrival order, so a generation never depends on what other clients sent.
 */
final class ModelWorker implements AutoCloseable {
    /** Rows one combined scoring pass takes from waiting requests. */
    static final int MAX_SCORE_ROWS = 64;

    private final LanguageModel model;
    private final PromptScorer scorer;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile int scorePasses;

    private static final class Job {
        final Function<LanguageModel, ?> work; // null for scoring
        final List<long[]> sequences;
        final int top;
        final CompletableFuture<Object> result = new CompletableFuture<>();

        Job(Function<LanguageModel, ?> work, List<long[]> sequences, int top) {
            this.work = work;
            this.sequences = sequences;
            this.top = top;
        }
    }

    private static final Job STOP = new Job(m -> null, null, 0);

    ModelWorker(LanguageModel model, int batchSize, String name) {
        this.model = model;
        this.scorer = new PromptScorer(model, batchSize);
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code work} on the model's thread and returns its result; its exceptions are rethrown as they are. */
    @SuppressWarnings("unchecked")
    <T> T call(Function<LanguageModel, T> work) {
        return (T) await(submit(new Job(work, null, 0)));
    }

    /** {@link PromptScorer#score}, batched with other waiting scoring requests. */
    @SuppressWarnings("unchecked")
    List<PromptScorer.Scores> score(List<long[]> sequences, int top) {
        return (List<PromptScorer.Scores>) await(submit(new Job(null, sequences, top)));
    }

    private Job submit(Job job) {
        if (closed) {
            throw closing();
        }
        queue.add(job);
        if (closed && queue.remove(job)) { // closed in between: nobody would run it
            throw closing();
        }
        return job;
    }

    private static Object await(Job job) {
        try {
            return job.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.result.cancel(false);
            throw new ApiError(503, "server_error", null, "interrupted", "the request was interrupted");
        } catch (CancellationException e) {
            throw closing();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static ApiError closing() {
        return new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down");
    }

    private void loop() {
        while (true) {
            Job job;
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (job == STOP) {
                return;
            }
            if (job.result.isDone()) { // cancelled while waiting
                continue;
            }
            if (job.work != null) {
                run(job);
            } else {
                scoreTogether(job);
            }
        }
    }

    private void run(Job job) {
        try {
            job.result.complete(job.work.apply(model));
        } catch (Throwable t) {
            job.result.completeExceptionally(t);
        }
    }

    private void scoreTogether(Job first) {
        List<Job> group = new ArrayList<>(List.of(first));
        int rows = first.sequences.size();
        for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
            Job next = it.next();
            if (next != STOP && next.work == null && rows + next.sequences.size() <= MAX_SCORE_ROWS) {
                it.remove();
                group.add(next);
                rows += next.sequences.size();
            }
        }
        scorePasses++;
        List<long[]> all = new ArrayList<>(rows);
        int top = 0;
        for (Job job : group) {
            all.addAll(job.sequences);
            top = Math.max(top, job.top);
        }
        try {
            List<PromptScorer.Scores> scores = scorer.score(all, top);
            int from = 0;
            for (Job job : group) {
                job.result.complete(scores.subList(from, from + job.sequences.size()));
                from += job.sequences.size();
            }
        } catch (Throwable t) {
            if (group.size() == 1) {
                first.result.completeExceptionally(t);
                return;
            }
            // One request's failure must not fail the others that happened to share its batch.
            for (Job job : group) {
                try {
                    job.result.complete(scorer.score(job.sequences, job.top));
                } catch (Throwable own) {
                    job.result.completeExceptionally(own);
                }
            }
        }
    }

    /**
     * Fails the requests still waiting, lets the running one finish (the caller may close the
     * model next) and stops the thread; waits at most {@code waitMillis} for it.
     */
    @Override
    public void close() {
        close(30_000);
    }

    void close(long waitMillis) {
        closed = true;
        List<Job> waiting = new ArrayList<>();
        queue.drainTo(waiting);
        waiting.forEach(job -> job.result.completeExceptionally(closing()));
        queue.add(STOP);
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Jobs waiting for the model (for tests). */
    int waiting() {
        return queue.size();
    }

    /** Combined scoring passes run so far (for tests). */
    int scorePasses() {
        return scorePasses;
    }

    /** Whether the thread has ended (so the model may be closed). */
    boolean stopped() {
        return !thread.isAlive();
    }
}
