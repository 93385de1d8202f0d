package org.globmed.plot;

import java.util.List;
import org.globmed.data.Tier;

/**
 * Colours of every figure. The series colours are Okabe and Ito's palette ("Color Universal
 * Design", 2008): eight colours chosen to stay distinct for the common forms of colour-vision
 * deficiency (protanopia, deuteranopia, tritanopia) and in greyscale print, which matters for
 * figures about disparities that readers must tell apart. Yellow, the weakest on white, comes
 * late; black comes last. Heatmaps use Viridis, which is perceptually uniform and colour-blind
 * safe too.
 */
final class Palette {
    static final String BLUE = "#0072B2";
    static final String ORANGE = "#E69F00";
    static final String GREEN = "#009E73";
    static final String PURPLE = "#CC79A7";
    static final String SKY = "#56B4E9";
    static final String VERMILLION = "#D55E00";
    static final String YELLOW = "#F0E442";
    static final String BLACK = "#000000";
    static final String GREY = "#8C8C8C";

    /** Okabe–Ito, in the order series take them. */
    static final List<String> OKABE_ITO = List.of(BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK);

    /** Heatmap colour scale (a plotly.js built-in). */
    static final String SEQUENTIAL = "Viridis";

    private Palette() {
    }

    /** The two tiers: blue and vermillion differ in hue and in lightness for every deficiency. */
    static String tier(Tier tier) {
        return tier == Tier.LOW ? VERMILLION : BLUE;
    }

    static String pick(List<String> palette, int index) {
        return palette.get(Math.floorMod(index, palette.size()));
    }
}
