package mcl.checkpoints;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the training loop saves its state. Implemented by the checkpoints module (data flows
 * runtime -> checkpoints); a save is all-or-nothing: when it throws, the previous checkpoint is
 * intact and still the latest.
 */
public interface CheckpointStore {
    /** Writes {@code state} as the newest checkpoint and returns its folder. */
    Path save(TrainState state) throws IOException;

    /** The newest complete checkpoint, or null if none has been written. */
    Path latest();
}
