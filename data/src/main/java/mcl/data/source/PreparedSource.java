package mcl.data.source;

import java.nio.file.Path;
import mcl.data.prepare.PreparedDataset;

/** A folder written by `mcl data prepare`: the images its index lists, in index order (no folder walk, no sniffing). */
public final class PreparedSource extends FileListSource {
    private final Path dir;

    private PreparedSource(Path dir) {
        super(PreparedDataset.files(dir), "prepared dataset " + dir);
        this.dir = dir;
    }

    public static PreparedSource open(Path dir) { return new PreparedSource(dir); }

    @Override
    public String describe() { return "prepared dataset " + dir + " (" + size() + " images)"; }
}
