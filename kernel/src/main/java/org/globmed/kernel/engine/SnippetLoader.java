package org.globmed.kernel.engine;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Collections;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;
import jdk.jshell.spi.ExecutionControl.EngineTerminationException;
import jdk.jshell.spi.ExecutionControl.InternalException;

/**
 * Loads the classes JShell compiles from cells, instrumented by {@link SnippetInstrumenter}, into
 * this JVM, and holds the jars added at run time ({@code %classpath}, {@code %maven}). Jars that
 * are already on the kernel's own class path are not loaded a second time, so a Tablesaw table
 * made in a cell is the same class the kernel's renderers know.
 */
final class SnippetLoader implements LoaderDelegate {
    private final Map<String, byte[]> compiled = new ConcurrentHashMap<>();
    private final Map<String, Class<?>> loaded = new ConcurrentHashMap<>();
    private final Set<String> kernelClassPath;
    private final Set<String> added = Collections.synchronizedSet(new LinkedHashSet<>());
    private final CellClassLoader loader;
    private final List<String> recentlyLoaded = new ArrayList<>();

    SnippetLoader(ClassLoader parent) {
        this.loader = new CellClassLoader(parent);
        Set<String> own = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                own.add(normalise(entry));
            }
        }
        this.kernelClassPath = own;
    }

    ClassLoader classLoader() {
        return loader;
    }

    /** Entries on the kernel's own class path: JShell's compiler needs them, the loader does not. */
    Set<String> kernelClassPath() {
        return kernelClassPath;
    }

    @Override
    public void load(ClassBytecodes[] classes) throws ClassInstallException, EngineTerminationException {
        boolean[] installed = new boolean[classes.length];
        for (ClassBytecodes cbc : classes) {
            compiled.put(cbc.name(), SnippetInstrumenter.instrument(cbc.bytecodes()));
        }
        for (int i = 0; i < classes.length; i++) {
            try {
                loaded.put(classes[i].name(), loader.loadClass(classes[i].name()));
                recentlyLoaded.add(classes[i].name());
                installed[i] = true;
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ClassInstallException("could not load " + classes[i].name() + ": " + e, installed);
            }
        }
    }

    /** Forgets which classes were loaded so far; {@link #loadedSinceMark()} lists the later ones. */
    void mark() {
        recentlyLoaded.clear();
    }

    List<String> loadedSinceMark() {
        return List.copyOf(recentlyLoaded);
    }

    @Override
    public void classesRedefined(ClassBytecodes[] classes) {
        for (ClassBytecodes cbc : classes) {
            compiled.put(cbc.name(), SnippetInstrumenter.instrument(cbc.bytecodes()));
        }
    }

    @Override
    public void addToClasspath(String path) throws EngineTerminationException, InternalException {
        for (String entry : path.split(File.pathSeparator)) {
            String key = normalise(entry);
            if (entry.isEmpty() || kernelClassPath.contains(key) || !added.add(key)) {
                continue;
            }
            try {
                loader.addURL(Path.of(entry).toUri().toURL());
            } catch (MalformedURLException e) {
                throw new InternalException("not a class path entry: " + entry);
            }
        }
    }

    @Override
    public Class<?> findClass(String name) throws ClassNotFoundException {
        Class<?> c = loaded.get(name);
        return c != null ? c : loader.loadClass(name);
    }

    private static String normalise(String entry) {
        return Path.of(entry).toAbsolutePath().normalize().toString();
    }

    private final class CellClassLoader extends URLClassLoader {
        private final Map<String, Object> locks = new HashMap<>();

        CellClassLoader(ClassLoader parent) {
            super("globmed-cells", new URL[0], parent);
        }

        @Override
        protected void addURL(URL url) {
            super.addURL(url);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = compiled.get(name);
            if (bytes == null) {
                return super.findClass(name);
            }
            return defineClass(name, bytes, 0, bytes.length, (CodeSource) null);
        }
    }
}
