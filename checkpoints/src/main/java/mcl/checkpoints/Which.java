package mcl.checkpoints;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Which encoder of a checkpoint to read: the trained online network or its EMA target. */
public enum Which {
    ONLINE("online.safetensors"),
    TARGET("target.safetensors");

    public final String fileName;

    Which(String fileName) {
        this.fileName = fileName;
    }

    public String flagName() { return name().toLowerCase(); }

    public static Which parse(String s) {
        for (Which w : values()) {
            if (w.flagName().equals(s)) return w;
        }
        throw new IllegalArgumentException("unknown encoder '" + s + "'; valid: "
                + Arrays.stream(values()).map(Which::flagName).collect(Collectors.joining(", ")));
    }
}
