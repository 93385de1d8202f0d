package org.globmed.data;

import java.nio.file.Path;

/**
 * One split file of the GlobMed layout, {@code <root>/GlobMed_<Source>/<lang>/<split>.json}.
 *
 * @param path     the file
 * @param name     how messages name it: its path relative to the loaded folder
 * @param source   dataset name without the {@code GlobMed_} prefix
 * @param language the language folder's name
 * @param split    the file name without its extension
 */
record SplitFile(Path path, String name, String source, String language, String split) {
}
