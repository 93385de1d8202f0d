/**
 * The paper's figures as Tablesaw Plotly figures, and their export.
 *
 * <p>Entry: {@link org.globmed.plot.Plots} (one call per figure on a {@code Report}, {@code Results},
 * {@code Comparison}, table or run folder; {@code Plots.options()} for title, size, order, palette)
 * and {@link org.globmed.plot.Figures} (standalone HTML, PNG and SVG through headless Chromium).
 * {@link org.globmed.plot.TrainingMonitor} follows a training run while it writes its logs.
 * Inside: {@code JsonFigure} (a Tablesaw figure written as plotly.js JSON), one class per figure,
 * {@code Accuracies} (what every input becomes), {@code RunLogs} and {@code RunFolders}
 * (files on disk), {@code Palette} and {@code Text}.
 */
package org.globmed.plot;
