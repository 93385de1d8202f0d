package org.globmed.data;

/**
 * One thing wrong in the input, located precisely enough to fix it.
 *
 * @param file    the file, from the folder that holds what was loaded (e.g. GlobMed_MedQA/sw/test.json)
 * @param line    1-based line where the record (or the error) starts; 0 when the whole file is meant
 * @param record  0-based index of the record in its file (the index in generated ids); -1 for the file
 * @param field   the field at fault, or null
 * @param message what was found and what was expected
 */
public record Problem(String file, int line, int record, String field, String message) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        if (record >= 0) {
            sb.append(" record ").append(record);
        }
        if (field != null) {
            sb.append(" field '").append(field).append('\'');
        }
        return sb.append(": ").append(message).toString();
    }
}
