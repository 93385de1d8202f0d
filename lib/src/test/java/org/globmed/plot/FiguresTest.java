package org.globmed.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.globmed.display.PlotlyJs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.api.VerticalBarPlot;
import tech.tablesaw.plotly.components.Figure;

class FiguresTest {
    @TempDir
    Path dir;

    @Test
    void htmlIsStandaloneWithPlotlyInside() throws Exception {
        Figure f = Plots.options().title("Accuracy & <gaps>").accuracy(PlotsTest.report());
        Path file = Figures.save(f, dir.resolve("sub/accuracy.html"));
        String html = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(html.contains("plotly.js v" + PlotlyJs.VERSION), "plotly.js is embedded");
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<title>Accuracy &amp; &lt;gaps&gt;</title>"), "the page title is HTML, escaped once");
        assertTrue(html.contains("Plotly.newPlot("));
        assertTrue(html.contains("\"Accuracy & &lt;gaps&gt;<br><sup>"), "the figure's title is plotly.js text");
        assertTrue(!html.contains("src=\"http"), "nothing from the network");
        assertEquals(List.of(), List.of(dir.resolve("sub").toFile().list()).stream().filter(n -> n.endsWith(".tmp"))
                .toList());
    }

    @Test
    void pngAndSvgHaveTheRequestedSizeAndAreNotBlank() throws Exception {
        assumeTrue(Figures.chromium().isPresent(), "chromium is not installed");
        Figure accuracy = Plots.accuracy(PlotsTest.report());
        Table t = Table.create("t", StringColumn.create("lang", "en", "sw"), DoubleColumn.create("acc", 0.8, 0.5));
        Figure tablesaw = VerticalBarPlot.create("a plain Tablesaw figure", t, "lang", "acc");
        Map<String, Figure> figures = new LinkedHashMap<>();
        figures.put("accuracy by language", accuracy);
        figures.put("tablesaw", tablesaw);
        List<Path> files = Figures.exporter().size(400, 300).scale(2).saveAll(figures, dir);
        assertEquals(List.of("accuracy-by-language.html", "accuracy-by-language.png", "accuracy-by-language.svg",
                "tablesaw.html", "tablesaw.png", "tablesaw.svg"), files.stream().map(p -> p.getFileName().toString())
                .toList());
        for (String name : List.of("accuracy-by-language", "tablesaw")) {
            BufferedImage png = ImageIO.read(dir.resolve(name + ".png").toFile());
            assertEquals(800, png.getWidth(), name);
            assertEquals(600, png.getHeight(), name);
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < png.getHeight(); y += 3) {
                for (int x = 0; x < png.getWidth(); x += 3) {
                    colours.add(png.getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 20, name + " has " + colours.size() + " colours: blank?");
            assertTrue(colours.contains(0xFFFFFFFF), "a white background");
            String svg = Files.readString(dir.resolve(name + ".svg"));
            assertTrue(svg.startsWith("<svg"), svg.substring(0, 80));
            assertTrue(svg.contains("width=\"400\"") && svg.contains("height=\"300\""), svg.substring(0, 300));
        }
        assertTrue(Files.readString(dir.resolve("accuracy-by-language.svg")).contains("Kiswahili"));
        // The tier colours are in the picture.
        BufferedImage png = ImageIO.read(dir.resolve("accuracy-by-language.png").toFile());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                colours.add(png.getRGB(x, y) & 0xFFFFFF);
            }
        }
        assertTrue(colours.contains(0x0072B2) && colours.contains(0xD55E00), "blue and vermillion bars");
    }

    @Test
    void theFormatIsTheExtensions() throws Exception {
        assertEquals(Figures.Format.SVG, Figures.Format.of(Path.of("fig.SVG")));
        assertEquals(Figures.Format.HTML, Figures.Format.of(Path.of("fig.htm")));
        assertEquals(Figures.Format.PNG, Figures.Format.of(Path.of("a/b/fig.png")));
        String m = assertThrows(IllegalArgumentException.class, () -> Figures.save(Plots.accuracy(PlotsTest.report()),
                dir.resolve("a.pdf"))).getMessage();
        assertTrue(m.contains("name it .html, .png or .svg"), m);
    }

    @Test
    void withoutChromiumImageExportSaysWhatToInstall() {
        Figures.Exporter exporter = Figures.exporter().chromium(dir.resolve("no-such-chromium"));
        String m = assertThrows(IllegalStateException.class, () -> exporter.save(Plots.accuracy(PlotsTest.report()),
                dir.resolve("a.png"))).getMessage();
        assertTrue(m.contains("no-such-chromium") && m.contains(Figures.CHROMIUM_ENV) && m.contains("chromium"), m);
        // HTML needs no browser.
        exporter.save(Plots.accuracy(PlotsTest.report()), dir.resolve("a.html"));
        assertTrue(Files.exists(dir.resolve("a.html")));
    }
}
