package mcl.runtime.ort;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Where ONNX Runtime executes: the CPU provider, or CUDA (needs the `gpu` build profile). */
public enum Device {
    CPU, CUDA;

    public static Device parse(String s) {
        for (Device d : values()) {
            if (d.name().equalsIgnoreCase(s)) return d;
        }
        throw new IllegalArgumentException("unknown device '" + s + "'; valid: "
                + Arrays.stream(values()).map(d -> d.name().toLowerCase()).collect(Collectors.joining(", ")));
    }
}
