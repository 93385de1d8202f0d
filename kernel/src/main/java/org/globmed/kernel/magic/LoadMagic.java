package org.globmed.kernel.magic;

import java.nio.file.Files;
import java.nio.file.Path;
import org.globmed.kernel.engine.CellError;
import org.globmed.kernel.notebook.Notebook;

/**
 * {@code %load FILE}: runs a JShell script (.jsh, .java snippets) or every code cell of another
 * notebook (.ipynb) in this session, as if its cells were typed here.
 */
final class LoadMagic {
    private LoadMagic() {
    }

    static Object load(String args, MagicContext context) throws Exception {
        var parts = Magics.split(args);
        if (parts.size() != 1) {
            throw CellError.of("BadMagicArgument", "%load takes one file, got: " + args);
        }
        Path file = Path.of(parts.get(0));
        if (!Files.isRegularFile(file)) {
            throw CellError.of("BadMagicArgument", "%load: " + file + " is not a file");
        }
        if (file.toString().endsWith(".ipynb")) {
            Object last = null;
            for (Notebook.Cell cell : Notebook.read(file).codeCells()) {
                last = context.run(cell.source());
            }
            return last;
        }
        return context.run(Files.readString(file));
    }
}
