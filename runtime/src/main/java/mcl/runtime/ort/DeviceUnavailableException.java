package mcl.runtime.ort;

/** The requested execution provider cannot be loaded in this build or on this machine. */
public final class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
