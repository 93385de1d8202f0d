package org.globmed.kernel.magic;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.globmed.kernel.engine.CellError;

/**
 * {@code %classpath}, {@code %jars}, {@code %maven} and {@code %mavenRepo}: code added this way is
 * visible to the compiler and the class loader of every later snippet.
 */
final class ClasspathMagics {
    private final Map<String, String> repositories = new LinkedHashMap<>();
    private MavenResolver resolver;

    /** {@code %classpath a.jar lib/*.jar classes/} (also {@code a.jar:b.jar}). */
    Object classpath(String args, MagicContext context) throws Exception {
        List<String> entries = new ArrayList<>();
        for (String arg : Magics.split(args)) {
            for (String part : arg.split(File.pathSeparator)) {
                entries.addAll(expand(part));
            }
        }
        return add(entries, context);
    }

    /** {@code %jars lib/*.jar}: like {@code %classpath}, for jars. */
    Object jars(String args, MagicContext context) throws Exception {
        List<String> entries = new ArrayList<>();
        for (String arg : Magics.split(args)) {
            for (String path : expand(arg)) {
                if (!path.endsWith(".jar") && !Files.isDirectory(Path.of(path))) {
                    throw CellError.of("BadMagicArgument", "%jars: " + path + " is not a .jar file");
                }
                entries.add(path);
            }
        }
        return add(entries, context);
    }

    /**
     * {@code %maven group:artifact:version[:classifier] ...} with transitive dependencies; IJava's
     * {@code group:artifact:packaging[:classifier]:version} works too. Returns the jars added.
     */
    Object maven(String args, MagicContext context) throws Exception {
        List<String> coordinates = Magics.split(args);
        if (coordinates.isEmpty()) {
            throw CellError.of("BadMagicArgument", "%maven needs group:artifact:version[:classifier]");
        }
        List<String> jars = new ArrayList<>();
        for (String coordinate : coordinates) {
            jars.addAll(resolver().resolve(MavenResolver.parse(coordinate)));
        }
        return add(jars, context);
    }

    /** {@code %%loadFromPOM}: the {@code <repository>} and {@code <dependency>} elements of a POM (or a whole POM). */
    Object loadFromPom(String args, String body, MagicContext context) throws Exception {
        PomFragment pom = PomFragment.parse(body);
        pom.repositories().forEach(repositories::put);
        resolver = null;
        List<String> jars = new ArrayList<>();
        for (var artifact : pom.dependencies()) {
            jars.addAll(resolver().resolve(artifact));
        }
        return add(jars, context);
    }

    /** {@code %loadFromPOM pom.xml}: the dependencies of a POM file. */
    Object loadFromPomFile(String args, MagicContext context) throws Exception {
        List<String> parts = Magics.split(args);
        if (parts.size() != 1 || !Files.isRegularFile(Path.of(parts.get(0)))) {
            throw CellError.of("BadMagicArgument", "%loadFromPOM takes the path of a pom.xml, got: " + args);
        }
        return loadFromPom("", Files.readString(Path.of(parts.get(0))), context);
    }

    /** {@code %mavenRepo ID URL}: another repository for later {@code %maven} calls. */
    Object mavenRepo(String args, MagicContext context) throws Exception {
        List<String> parts = Magics.split(args);
        if (parts.size() != 2) {
            throw CellError.of("BadMagicArgument", "%mavenRepo takes ID URL, got: " + args);
        }
        repositories.put(parts.get(0), parts.get(1));
        resolver = null;
        return null;
    }

    private MavenResolver resolver() {
        if (resolver == null) {
            resolver = new MavenResolver(repositories);
        }
        return resolver;
    }

    /** Adds the entries for later snippets and returns them (IJava's %jars returns the list too). */
    private static List<String> add(List<String> entries, MagicContext context) {
        context.session().engine().addToClasspath(entries);
        return List.copyOf(entries);
    }

    /** A path, or every file a glob ({@code *}, {@code **}, {@code ?}) matches; none is an error. */
    static List<String> expand(String pattern) throws IOException, CellError {
        if (!pattern.contains("*") && !pattern.contains("?")) {
            Path p = Path.of(pattern);
            if (!Files.exists(p)) {
                throw CellError.of("BadMagicArgument", pattern + " does not exist");
            }
            return List.of(p.toAbsolutePath().normalize().toString());
        }
        int cut = pattern.length();
        for (String wild : new String[]{"*", "?"}) {
            int i = pattern.indexOf(wild);
            if (i >= 0) {
                cut = Math.min(cut, i);
            }
        }
        int slash = pattern.lastIndexOf('/', cut);
        Path base = Path.of(slash < 0 ? "." : pattern.substring(0, Math.max(1, slash)));
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<String> found = new ArrayList<>();
        if (Files.isDirectory(base)) {
            try (Stream<Path> walk = Files.walk(base)) {
                walk.filter(p -> matcher.matches(slash < 0 ? base.relativize(p) : p))
                        .sorted()
                        .forEach(p -> found.add(p.toAbsolutePath().normalize().toString()));
            }
        }
        if (found.isEmpty()) {
            throw CellError.of("BadMagicArgument", pattern + " matches no file");
        }
        return found;
    }
}
