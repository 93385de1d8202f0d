package org.globmed.plot;

import static org.globmed.plot.PlotsTest.data;
import static org.globmed.plot.PlotsTest.doubles;
import static org.globmed.plot.PlotsTest.layout;
import static org.globmed.plot.PlotsTest.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.plotly.components.Figure;

/** Training curves from a run folder's logs, read while they grow. */
class TrainingMonitorTest {
    @TempDir
    Path run;

    @Test
    void curvesShowLossLearningRateAndDevAccuracyPerLanguage() throws IOException {
        Files.writeString(run.resolve("train-log.csv"), PlotFixtures.trainLog(20, false));
        Files.writeString(run.resolve("dev-log.csv"), PlotFixtures.devLog(new int[]{0, 10, 20}, "en", "fr", "sw", "yo"));
        Figure f = Plots.trainingCurves(run);
        ArrayNode data = data(f);
        assertEquals(2 + 4, data.size(), "loss, learning rate and one line per language");
        assertEquals("y", data.get(0).get("yaxis").asText());
        assertEquals(20, data.get(0).get("x").size());
        assertEquals(PlotFixtures.loss(7), data.get(0).get("y").get(6).asDouble(), 1e-6);
        assertEquals("y2", data.get(1).get("yaxis").asText());
        assertEquals(PlotFixtures.rate(12, 20), data.get(1).get("y").get(11).asDouble(), 1e-9);
        // Languages: HIGH first, then LOW (dotted), each at steps 0, 10, 20.
        List<String> names = new ArrayList<>();
        for (int i = 2; i < data.size(); i++) {
            names.add(data.get(i).get("name").asText());
            assertEquals("y3", data.get(i).get("yaxis").asText());
            assertEquals(List.of(0.0, 10.0, 20.0), doubles(data.get(i).get("x")));
        }
        assertEquals(List.of("English", "French (Français)", "Swahili (Kiswahili) · LOW", "Yoruba (Yorùbá) · LOW"), names);
        assertEquals(List.of(PlotFixtures.devAccuracy(0, 2, true), PlotFixtures.devAccuracy(10, 2, true),
                PlotFixtures.devAccuracy(20, 2, true)), doubles(data.get(4).get("y")));
        assertEquals("dot", data.get(4).at("/line/dash").asText());
        assertEquals("solid", data.get(2).at("/line/dash").asText());
        String title = layout(f).at("/title/text").asText();
        assertTrue(title.startsWith("Training run " + run.getFileName() + "<br><sup>step 20, epoch 1, loss "), title);
        assertTrue(title.contains("dev accuracy at step 20"), title);
        assertEquals("y3", layout(f).at("/xaxis/anchor").asText(), "one step axis, at the bottom");
    }

    @Test
    void aLineStillBeingWrittenIsIgnored() throws IOException {
        Files.writeString(run.resolve("train-log.csv"), PlotFixtures.trainLog(5, true));
        Files.writeString(run.resolve("dev-log.csv"), PlotFixtures.devLog(new int[]{0}, "en", "sw") + "5,en,HI");
        Figure f = Plots.trainingCurves(run);
        assertEquals(5, data(f).get(0).get("x").size(), "the cut sixth step is not read");
        assertEquals(List.of(0.0), doubles(data(f).get(2).get("x")));
        // "nan" grad norms and an empty cell read as NaN, not as an error.
        Files.writeString(run.resolve("train-log.csv"), "step,epoch,tokens,seconds,loss,learning_rate,grad_norm\n"
                + "1,0.1,100,0.5,2.5,1e-5,\n2,0.2,200,1.0,nan,2e-5,nan\n");
        JsonNode loss = data(Plots.trainingCurves(run)).get(0).get("y");
        assertEquals(2.5, loss.get(0).asDouble());
        assertTrue(loss.get(1).isNull(), "NaN loss is a gap");
    }

    @Test
    void withoutDevEvaluationsTheCurvesHaveTwoPanels() throws IOException {
        Files.writeString(run.resolve("train-log.csv"), PlotFixtures.trainLog(3, false));
        Figure f = Plots.trainingCurves(run);
        assertEquals(2, data(f).size());
        assertFalse(layout(f).has("yaxis3"));
        assertTrue(layout(f).at("/title/text").asText().contains("no dev evaluation yet"));
    }

    @Test
    void theMonitorGivesANewFigureOnlyWhenTheLogsGrow() throws IOException {
        TrainingMonitor monitor = Plots.monitor(run);
        assertEquals(Optional.empty(), monitor.poll(), "no train-log.csv yet");
        Path log = run.resolve("train-log.csv");
        Files.writeString(log, "step,epoch,tok");
        assertEquals(Optional.empty(), monitor.poll(), "header still being written");
        Files.writeString(log, "step,epoch,tokens,seconds,loss,learning_rate,grad_norm\n");
        assertEquals(Optional.empty(), monitor.poll(), "no step yet");
        assertTrue(assertThrows(IllegalArgumentException.class, monitor::figure).getMessage()
                .contains("has no complete step yet"));
        Files.writeString(log, PlotFixtures.trainRow(1, 10) + PlotFixtures.trainRow(2, 10) + "3,0.3",
                StandardOpenOption.APPEND);
        Optional<Figure> first = monitor.poll();
        assertTrue(first.isPresent());
        assertEquals(2, data(first.get()).get(0).get("x").size());
        assertEquals(2, monitor.steps());
        assertEquals(Optional.empty(), monitor.poll(), "the cut line alone is no change");
        Files.writeString(log, ",600,1.5,2.0,8e-5,1.0\n", StandardOpenOption.APPEND);
        Optional<Figure> second = monitor.poll();
        assertTrue(second.isPresent(), "the third line was completed");
        assertEquals(3, data(second.get()).get(0).get("x").size());
        Files.writeString(run.resolve("dev-log.csv"), PlotFixtures.devLog(new int[]{0}, "en", "sw"));
        assertEquals(4, data(monitor.poll().orElseThrow()).size(), "a dev evaluation is a change too");
    }

    @Test
    void followShowsEveryUpdateWhileTheRunWritesAndTheLastOne() throws Exception {
        Path log = run.resolve("train-log.csv");
        AtomicBoolean running = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(log, "step,epoch,tokens,seconds,loss,learning_rate,grad_norm\n");
                for (int s = 1; s <= 30; s++) {
                    Files.writeString(log, PlotFixtures.trainRow(s, 30), StandardOpenOption.APPEND);
                    Thread.sleep(5);
                }
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            } finally {
                running.set(false);
            }
        });
        List<Integer> shown = new ArrayList<>();
        writer.start();
        Figure last = Plots.monitor(run).follow(f -> shown.add(data(f).get(0).get("x").size()), Duration.ofMillis(20),
                running::get);
        writer.join();
        assertFalse(shown.isEmpty());
        assertEquals(30, shown.get(shown.size() - 1), "the last figure has every step");
        assertEquals(30, data(last).get(0).get("x").size());
        for (int i = 1; i < shown.size(); i++) {
            assertTrue(shown.get(i) > shown.get(i - 1), "each update has more steps: " + shown);
        }
        // A run that already ended: follow shows its state once.
        List<Figure> once = new ArrayList<>();
        Plots.monitor(run).follow(once::add, Duration.ofMillis(1), () -> false);
        assertEquals(1, once.size());
    }

    @Test
    void badLogsAreErrorsNamingFileLineAndColumn() throws IOException {
        String m = assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(run)).getMessage();
        assertTrue(m.contains("is not a training run folder: it has no train-log.csv"), m);
        Files.writeString(run.resolve("train-log.csv"), "step,loss\n1,2.0\n");
        m = assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(run)).getMessage();
        assertTrue(m.contains("lacks the columns epoch, tokens, seconds, learning_rate, grad_norm"), m);
        Files.writeString(run.resolve("train-log.csv"), PlotFixtures.trainLog(2, false) + "3,0.3,300,1,abc,1e-5,1\n"
                + PlotFixtures.trainRow(4, 4));
        m = assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(run)).getMessage();
        assertTrue(m.contains("train-log.csv line 4, column loss: 'abc' is not a number"), m);
        Files.writeString(run.resolve("train-log.csv"), PlotFixtures.trainLog(2, false));
        Files.writeString(run.resolve("dev-log.csv"), "step,language,tier,n,accuracy\n0,xx,HIGH,10,0.5\n");
        m = assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(run)).getMessage();
        assertTrue(m.contains("dev-log.csv line 2") && m.contains("unknown language code 'xx'"), m);
        Files.writeString(run.resolve("dev-log.csv"), "step,language,tier,n,accuracy\n0,en,HIGH,10,50\n");
        m = assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(run)).getMessage();
        assertTrue(m.contains("accuracy 50.0 is not a fraction from 0 to 1"), m);
        Files.writeString(run.resolve("train-log.csv"), "step,epoch,tokens,seconds,loss,learning_rate,grad_norm\n");
        m = assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(run)).getMessage();
        assertTrue(m.contains("has no complete step yet"), m);
        assertTrue(strings(data(Plots.accuracy(PlotsTest.report())).get(0).get("x")).size() > 0);
    }
}
