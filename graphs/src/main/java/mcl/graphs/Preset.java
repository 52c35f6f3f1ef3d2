package mcl.graphs;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import mcl.graphs.nets.ResNet;

/**
 * A named network and pre-training configuration, as data: backbone, FPN width (also the head's
 * width), projector/predictor widths, and the default input size, levels and batch.
 */
public record Preset(String name, ResNet.Variant backbone, int fpnChannels, int imageSize, int levels, int batch,
                     int projectorHidden, int embeddingDim) {
    /** The paper: ResNet-50, FPN 256, 224 px, 4 levels, projector 2048/256. */
    public static final Preset R50 = new Preset("r50", ResNet.R50, 256, 224, 4, 32, 2048, 256);
    public static final Preset R18 = new Preset("r18", ResNet.R18, 256, 224, 4, 32, 2048, 256);
    /** Narrow ResNet-10, 64 px, 3 levels, batch 64: a few hundred steps take minutes on 2 CPU cores. */
    public static final Preset TINY = new Preset("tiny", ResNet.R10_W16, 64, 64, 3, 64, 256, 64);

    private static final Map<String, Preset> ALL = List.of(R50, R18, TINY).stream()
            .collect(Collectors.toMap(Preset::name, p -> p, (a, b) -> a, java.util.LinkedHashMap::new));

    public static List<String> names() { return List.copyOf(ALL.keySet()); }

    /** The preset called {@code name}; the error lists the valid names. */
    public static Preset named(String name) {
        Preset p = ALL.get(name);
        if (p == null) throw new IllegalArgumentException("unknown preset '" + name + "'; valid presets: " + String.join(", ", names()));
        return p;
    }

    /** Input sizes must be multiples of 32 so every FPN level tiles exactly. */
    public static void checkImageSize(int size) {
        if (size <= 0 || size % 32 != 0) {
            throw new IllegalArgumentException("image size " + size + " is not a positive multiple of 32 (the stride of C5)");
        }
    }
}
