package org.globmed.kernel.magic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.maven.repository.internal.MavenRepositorySystemUtils;
import org.eclipse.aether.DefaultRepositorySystemSession;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.LocalRepository;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;
import org.globmed.kernel.engine.CellError;

/**
 * Resolves Maven coordinates with their runtime dependencies through Maven's own resolver: the
 * user's local repository (~/.m2/repository, or {@code maven.repo.local}) first, then Maven Central
 * and any {@code %mavenRepo}.
 */
final class MavenResolver {
    private final RepositorySystem system = new RepositorySystemSupplier().get();
    private final DefaultRepositorySystemSession session;
    private final List<RemoteRepository> remotes = new ArrayList<>();

    MavenResolver(Map<String, String> extra) {
        session = MavenRepositorySystemUtils.newSession();
        String local = System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        // Maven's default session ignores POMs it cannot read, which silently drops transitive
        // dependencies; here a broken or missing POM is an error that names it.
        session.setArtifactDescriptorPolicy(new org.eclipse.aether.util.repository.SimpleArtifactDescriptorPolicy(false, false));
        // POM profiles activate on java.version and os.*: the model builder reads them from here.
        session.setSystemProperties(System.getProperties());
        session.setLocalRepositoryManager(system.newLocalRepositoryManager(session, new LocalRepository(local)));
        remotes.add(new RemoteRepository.Builder("central", "default", "https://repo.maven.apache.org/maven2/").build());
        extra.forEach((id, url) -> remotes.add(new RemoteRepository.Builder(id, "default", url).build()));
    }

    /**
     * An artifact from {@code group:artifact:version[:classifier]} (this project's form) or IJava's
     * {@code group:artifact:packaging[:classifier]:version}; a fourth part that starts with a digit
     * is a version, so IJava's {@code g:a:jar:1.0} means what it meant there.
     */
    static Artifact parse(String coordinate) throws CellError {
        String[] p = coordinate.split(":", -1);
        for (String part : p) {
            if (part.isBlank()) {
                p = new String[0];
            }
        }
        return switch (p.length) {
            case 3 -> new DefaultArtifact(p[0], p[1], "jar", p[2]);
            case 4 -> Character.isDigit(p[3].charAt(0))
                    ? new DefaultArtifact(p[0], p[1], p[2], p[3])
                    : new DefaultArtifact(p[0], p[1], p[3], "jar", p[2]);
            case 5 -> new DefaultArtifact(p[0], p[1], p[3], p[2], p[4]);
            default -> throw CellError.of("BadMagicArgument",
                    "%maven expects group:artifact:version[:classifier], got: " + coordinate);
        };
    }

    /** Jar paths of {@code artifact} and its runtime dependencies. */
    List<String> resolve(Artifact artifact) throws CellError {
        String coordinate = artifact.toString();
        CollectRequest collect = new CollectRequest(new Dependency(artifact, JavaScopes.RUNTIME), remotes);
        DependencyRequest request = new DependencyRequest(collect,
                DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
        try {
            List<String> jars = new ArrayList<>();
            for (ArtifactResult result : system.resolveDependencies(session, request).getArtifactResults()) {
                jars.add(result.getArtifact().getFile().getAbsolutePath());
            }
            return jars;
        } catch (DependencyResolutionException e) {
            Throwable root = e;
            StringBuilder why = new StringBuilder(e.getMessage());
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
                why.append(": ").append(root.getMessage());
            }
            throw CellError.of("MavenResolutionError", coordinate + ": " + why);
        }
    }
}
