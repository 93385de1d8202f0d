/**
 * GlobMed Notebook's library: loading GlobMed as Tablesaw tables, causal language models in DJL,
 * per-language evaluation (GlobMed-Bench), fine-tuning, and disparity plots. One public entry
 * class per capability. The library never depends on the kernel: objects that want rich output
 * offer a public {@code mimeBundle()} method, which the kernel calls by name.
 */
package org.globmed;
