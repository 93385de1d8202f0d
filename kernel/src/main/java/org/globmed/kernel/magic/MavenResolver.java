package org.globmed.kernel.magic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.maven.repository.internal.MavenRepositorySystemUtils;
import org.eclipse.aether.DefaultRepositorySystemSession;
import org.eclipse.aether.RepositorySystem;
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
        session.setLocalRepositoryManager(system.newLocalRepositoryManager(session, new LocalRepository(local)));
        remotes.add(new RemoteRepository.Builder("central", "default", "https://repo.maven.apache.org/maven2/").build());
        extra.forEach((id, url) -> remotes.add(new RemoteRepository.Builder(id, "default", url).build()));
    }

    /** Jar paths of {@code coordinate} (group:artifact:version[:classifier]) and its dependencies. */
    List<String> resolve(String coordinate) throws CellError {
        String[] parts = coordinate.split(":");
        if (parts.length < 3 || parts.length > 4) {
            throw CellError.of("BadMagicArgument",
                    "%maven expects group:artifact:version[:classifier], got: " + coordinate);
        }
        DefaultArtifact artifact = parts.length == 3
                ? new DefaultArtifact(parts[0], parts[1], "jar", parts[2])
                : new DefaultArtifact(parts[0], parts[1], parts[3], "jar", parts[2]);
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
            throw CellError.of("MavenResolutionError", coordinate + ": " + e.getMessage());
        }
    }
}
