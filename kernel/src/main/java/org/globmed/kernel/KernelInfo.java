package org.globmed.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** What the kernel says about itself in kernel_info_reply and in notebook metadata. */
public final class KernelInfo {
    public static final String PROTOCOL_VERSION = "5.3";
    public static final String IMPLEMENTATION = "globmed";
    private static final Properties VERSIONS = versions();
    public static final String VERSION = VERSIONS.getProperty("kernel", "dev");
    /** The plotly.js webjar version the build put on the class path. */
    public static final String PLOTLY_VERSION = org.globmed.display.PlotlyJs.VERSION;

    private KernelInfo() {
    }

    /** Jupyter's language_info for Java at the version of the running JVM. */
    public static Map<String, Object> languageInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", "java");
        info.put("version", Runtime.version().toString());
        info.put("mimetype", "text/x-java");
        info.put("file_extension", ".jshell");
        info.put("codemirror_mode", "text/x-java");
        info.put("pygments_lexer", "java");
        return info;
    }

    public static Map<String, Object> reply() {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("status", "ok");
        reply.put("protocol_version", PROTOCOL_VERSION);
        reply.put("implementation", IMPLEMENTATION);
        reply.put("implementation_version", VERSION);
        reply.put("language_info", languageInfo());
        reply.put("banner", "GlobMed Notebook " + VERSION + " — Java " + Runtime.version() + " (JShell)");
        reply.put("help_links", List.of(
                Map.of("text", "Java " + Runtime.version().feature() + " API",
                        "url", "https://docs.oracle.com/en/java/javase/" + Runtime.version().feature() + "/docs/api/"),
                Map.of("text", "Tablesaw", "url", "https://jtablesaw.github.io/tablesaw/"),
                Map.of("text", "JShell guide", "url",
                        "https://docs.oracle.com/en/java/javase/17/jshell/introduction-jshell.html")));
        return reply;
    }

    private static Properties versions() {
        Properties p = new Properties();
        try (InputStream in = KernelInfo.class.getResourceAsStream("versions.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // the version is informative only
        }
        return p;
    }
}
