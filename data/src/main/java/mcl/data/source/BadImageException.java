package mcl.data.source;

/** An image that cannot be used (missing, corrupt, not an image, unsupported); the loader skips it. */
public final class BadImageException extends Exception {
    public BadImageException(String message) { super(message); }

    public BadImageException(String message, Throwable cause) { super(message, cause); }
}
