// Default startup script of the GlobMed kernel: imports every cell can use without typing them.
// Replace it with your own by pointing GLOBMED_STARTUP at a .jsh file (GLOBMED_STARTUP= for none).
import java.io.*;
import java.math.*;
import java.net.*;
import java.nio.file.*;
import java.time.*;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;
import org.globmed.data.*;
import org.globmed.model.*;
import org.globmed.bench.*;
import org.globmed.train.*;
import org.globmed.plot.*;
import tech.tablesaw.api.*;
import tech.tablesaw.plotly.api.*;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import static org.globmed.kernel.runtime.Display.*;
import static org.globmed.kernel.runtime.MagicCalls.*;
