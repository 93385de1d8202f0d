package org.globmed.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.globmed.model.LanguageModel;
import org.globmed.model.LogLikelihood;
import org.globmed.model.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The model's one thread: scoring requests that wait together run as one pass; closing fails the waiting ones. */
class ModelWorkerTest {
    static LanguageModel lm;
    /** Client threads of their own: the common pool may have a single thread on two cores. */
    static ExecutorService clients;

    @BeforeAll
    static void model() {
        lm = Models.tiny("qwen3");
        clients = Executors.newFixedThreadPool(6);
    }

    @AfterAll
    static void close() {
        clients.shutdownNow();
        lm.close();
    }

    @Test
    void waitingScoringRequestsShareOnePassAndKeepTheirScores() throws Exception {
        List<long[]> sequences = List.of(lm.encode("Answer: yes"), lm.encode("Answer: no"), lm.encode("Réponse : oui"));
        try (ModelWorker worker = new ModelWorker(lm, 8, "test-worker")) {
            List<PromptScorer.Scores> alone = new ArrayList<>();
            for (long[] s : sequences) {
                alone.add(worker.score(List.of(s), 2).get(0));
            }
            int passes = worker.scorePasses();
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Object> blocker = CompletableFuture.supplyAsync(() -> worker.call(m -> {
                running.countDown();
                try {
                    return release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }), clients);
            running.await(10, TimeUnit.SECONDS); // the model is busy: what comes now waits
            List<CompletableFuture<PromptScorer.Scores>> together = new ArrayList<>();
            for (long[] s : sequences) {
                together.add(CompletableFuture.supplyAsync(() -> worker.score(List.of(s), 1).get(0), clients));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (worker.waiting() < sequences.size() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            release.countDown();
            blocker.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < sequences.size(); i++) {
                PromptScorer.Scores got = together.get(i).get(10, TimeUnit.SECONDS);
                assertArrayEquals(alone.get(i).logProbs(), got.logProbs(), 1e-5f);
                assertEquals(alone.get(i).topIds()[1][0], got.topIds()[1][0]);
            }
            assertEquals(passes + 1, worker.scorePasses(), "three waiting requests, one pass");
        }
    }

    @Test
    void scoresAreTheModelsLogLikelihoodPerToken() {
        // "Answer:" + " yes": the byte tokenizer gives 7 context and 4 continuation tokens.
        LogLikelihood expected = lm.logLikelihood(List.of(new LanguageModel.Continuation("Answer:", " yes"))).get(0);
        try (ModelWorker worker = new ModelWorker(lm, 8, "test-worker")) {
            PromptScorer.Scores s = worker.score(List.of(lm.encode("Answer: yes"), new long[]{65}), 3).get(0);
            assertEquals(11, s.logProbs().length);
            assertTrue(Float.isNaN(s.logProbs()[0]));
            for (int k = 0; k < 4; k++) {
                assertEquals(expected.tokenLogProbs()[k], s.logProbs()[7 + k], 1e-4);
                assertTrue(s.topLogProbs()[7 + k][0] >= s.topLogProbs()[7 + k][1]);
                assertTrue(s.topLogProbs()[7 + k][0] >= s.logProbs()[7 + k] - 1e-6);
            }
        }
    }

    @Test
    void closingFailsWaitingRequestsAndRefusesNewOnes() throws Exception {
        ModelWorker worker = new ModelWorker(lm, 8, "test-worker");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> busy = CompletableFuture.supplyAsync(() -> worker.call(m -> {
            running.countDown();
            try {
                return release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }), clients);
        running.await(10, TimeUnit.SECONDS);
        CompletableFuture<Object> waiting = CompletableFuture.supplyAsync(() -> worker.call(m -> "never"), clients);
        while (worker.waiting() < 1) {
            Thread.sleep(5);
        }
        CompletableFuture<Void> closing = CompletableFuture.runAsync(worker::close, clients);
        Thread.sleep(50);
        release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        assertEquals(Boolean.TRUE, busy.get(), "the running job finishes");
        Exception e = assertThrows(Exception.class, waiting::get);
        assertTrue(e.getCause() instanceof ApiError a && a.status == 503, e.toString());
        assertThrows(ApiError.class, () -> worker.call(m -> 1));
        assertTrue(worker.stopped());
    }
}
