package mcl.graph.init;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.Param;

/** Draws initial values for parameters. Each parameter's stream depends only on (seed, name). */
public final class Initializer {
    private Initializer() { }

    public static Map<String, float[]> initialise(List<Param> params, long seed) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Param p : params) out.put(p.name(), p.init().sample(p.shape(), streamFor(seed, p.name())));
        return out;
    }

    /** A random stream keyed by seed and name, so adding a parameter does not shift the others. */
    public static SplittableRandom streamFor(long seed, String name) {
        long h = 1125899906842597L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = 31 * h + b;
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ h);
    }
}
