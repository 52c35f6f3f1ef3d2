package mcl.checkpoints.export;

import java.io.IOException;
import java.util.List;

/** Writes one file format. One implementation per framework family. */
public interface Exporter {
    /**
     * Writes {@code req.out()} and returns what the user must know to load it: config lines to
     * set, notes. Never empty of meaning: the caller prints it as is.
     */
    List<String> export(ExportRequest req) throws IOException;
}
