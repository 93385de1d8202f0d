package org.globmed.kernel.magic;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.globmed.kernel.engine.CellError;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXParseException;

/** The repositories and dependencies of a POM or of a bare list of POM elements (IJava's %%loadFromPOM). */
record PomFragment(Map<String, String> repositories, List<Artifact> dependencies) {

    static PomFragment parse(String xml) throws CellError {
        String text = xml.strip();
        if (text.startsWith("<?xml")) {
            text = text.substring(text.indexOf("?>") + 2).strip();
        }
        if (!text.startsWith("<project")) {
            text = "<project>" + text + "</project>";
        }
        Document doc;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = factory.newDocumentBuilder().parse(new InputSource(new StringReader(text)));
        } catch (SAXParseException e) {
            throw CellError.of("BadMagicArgument", "%%loadFromPOM: not valid XML at line "
                    + e.getLineNumber() + ", column " + e.getColumnNumber() + ": " + e.getMessage());
        } catch (Exception e) {
            throw CellError.of("BadMagicArgument", "%%loadFromPOM: " + e.getMessage());
        }
        Map<String, String> repositories = new LinkedHashMap<>();
        NodeList repos = doc.getElementsByTagName("repository");
        for (int i = 0; i < repos.getLength(); i++) {
            Element r = (Element) repos.item(i);
            repositories.put(required(r, "id", "repository"), required(r, "url", "repository"));
        }
        List<Artifact> dependencies = new ArrayList<>();
        NodeList deps = doc.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if (d.getParentNode() instanceof Element parent
                    && parent.getParentNode() instanceof Element grand
                    && grand.getTagName().equals("dependencyManagement")) {
                continue;
            }
            String scope = text(d, "scope");
            if (scope.equals("test") || scope.equals("provided") || scope.equals("system")) {
                continue;
            }
            String type = text(d, "type");
            dependencies.add(new DefaultArtifact(required(d, "groupId", "dependency"),
                    required(d, "artifactId", "dependency"), text(d, "classifier"),
                    type.isEmpty() ? "jar" : type, required(d, "version", "dependency")));
        }
        return new PomFragment(repositories, dependencies);
    }

    private static String text(Element e, String tag) {
        NodeList n = e.getElementsByTagName(tag);
        return n.getLength() == 0 ? "" : n.item(0).getTextContent().strip();
    }

    private static String required(Element e, String tag, String what) throws CellError {
        String value = text(e, tag);
        if (value.isEmpty()) {
            throw CellError.of("BadMagicArgument", "%%loadFromPOM: a <" + what + "> has no <" + tag + ">");
        }
        return value;
    }
}
