package mcl.checkpoints;

/** A path that does not hold a readable checkpoint; the message names the file and what is wrong. */
public final class InvalidCheckpointException extends IllegalArgumentException {
    public InvalidCheckpointException(String message) {
        super(message);
    }

    public InvalidCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
