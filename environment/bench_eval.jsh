// GlobMed-Bench's own cost, measured in one run (see environment/bench-eval): the evaluation
// harness against the raw scoring it drives, the HTTP backend against the in-process one, and a
// resumed run against a full one. A fixed model: tiny random Qwen3 (seed 0), byte tokenizer.
import java.net.InetSocketAddress;
import org.globmed.serve.OpenAiServer;

GlobMedData sample = GlobMed.load();
LanguageModel model = Models.tiny("qwen3");
java.util.function.Consumer<Progress> quiet = p -> { };
Results warm = Bench.builder().model(model).progress(quiet).evaluate(sample.languages("en"));   // JIT and caches warm

long t0 = System.nanoTime();
Results all = Bench.builder().model(model).progress(quiet).evaluate(sample);
double endToEnd = (System.nanoTime() - t0) / 1e9;

// The same requests the evaluation sent (each prompt with each option's letter), scored directly.
List<LanguageModel.Continuation> requests = new ArrayList<>();
for (ItemResult r : all.items()) {
    for (String label : r.optionLabels()) requests.add(new LanguageModel.Continuation(r.prompt(), " " + label));
}
t0 = System.nanoTime();
model.logLikelihood(requests, LanguageModel.DEFAULT_BATCH_SIZE);
double raw = (System.nanoTime() - t0) / 1e9;

// HTTP: the model behind the project's OpenAI-compatible server on loopback, two languages; three
// runs of each, alternating, medians (one run of either varies by about 15% on the shared 2 cores).
GlobMedData two = sample.languages("en", "sw");
double[] inProcessRuns = new double[3];
double[] httpRuns = new double[3];
try (OpenAiServer server = OpenAiServer.start(model, "tiny", new InetSocketAddress("127.0.0.1", 0));
     // The backend's defaults: 16 requests in flight, 16 prompts (options) per request.
     HttpBackend backend = HttpBackend.builder(server.baseUrl().toString(), "tiny").build()) {
    Bench.builder().backend(backend).progress(quiet).evaluate(sample.languages("de")); // warm
    for (int i = 0; i < 3; i++) {
        t0 = System.nanoTime();
        Bench.builder().model(model).progress(quiet).evaluate(two);
        inProcessRuns[i] = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        Bench.builder().backend(backend).progress(quiet).evaluate(two);
        httpRuns[i] = (System.nanoTime() - t0) / 1e9;
    }
}
String seconds(double[] runs) {
    return Arrays.stream(runs).mapToObj(r -> String.format(Locale.ROOT, "%.2f", r)).collect(Collectors.joining(", "));
}
double inProcess = Arrays.stream(inProcessRuns).sorted().toArray()[1];
double http = Arrays.stream(httpRuns).sorted().toArray()[1];

// Resume: a full run into a cache folder, then the same run again.
Path cache = Files.createTempDirectory("bench-eval-cache");
t0 = System.nanoTime();
Bench.builder().model(model).cache(cache).progress(quiet).evaluate(sample);
double full = (System.nanoTime() - t0) / 1e9;
t0 = System.nanoTime();
Results resumed = Bench.builder().model(model).cache(cache).progress(quiet).evaluate(sample);
double again = (System.nanoTime() - t0) / 1e9;

System.out.printf(Locale.ROOT, "%,d test items, %,d scoring requests; %s%n", all.items().size(), requests.size(), model);
System.out.printf(Locale.ROOT, "%-44s%8.2f s %8.1f items/s%n", "raw scoring (LanguageModel.logLikelihood)", raw, all.items().size() / raw);
System.out.printf(Locale.ROOT, "%-44s%8.2f s %8.1f items/s%n", "end to end (Bench.evaluate)", endToEnd, all.items().size() / endToEnd);
System.out.printf(Locale.ROOT, "%-44s%8.2fx (target >= 0.9x)%n", "end-to-end throughput / raw", raw / endToEnd);
System.out.printf(Locale.ROOT, "%-44s%8.2f s (runs: %s)%n", "in process, en + sw (median of 3)", inProcess, seconds(inProcessRuns));
System.out.printf(Locale.ROOT, "%-44s%8.2f s (runs: %s)%n", "HTTP backend via globmed's server, en + sw", http, seconds(httpRuns));
System.out.printf(Locale.ROOT, "%-44s%8.2fx (target <= 1.3x)%n", "HTTP time / in-process time", http / inProcess);
System.out.printf(Locale.ROOT, "%-44s%8.2f s%n", "full run into a cache folder", full);
System.out.printf(Locale.ROOT, "%-44s%8.2f s (%,d of %,d items from the cache)%n", "the same run resumed", again, resumed.cached(), resumed.items().size());
System.out.printf(Locale.ROOT, "%-44s%8.1f%% (target <= 5%%)%n", "resumed / full", 100 * again / full);
model.close();
