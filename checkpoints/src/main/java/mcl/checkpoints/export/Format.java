package mcl.checkpoints.export;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/** The export formats of {@code mcl export --format}. */
public enum Format {
    TORCHVISION("torchvision", TorchvisionExporter::new),
    DETECTRON2("detectron2", Detectron2Exporter::new),
    MMDET("mmdet", MmdetExporter::new),
    SAFETENSORS("safetensors", SafetensorsExporter::new),
    ONNX("onnx", OnnxExporter::new);

    public final String flagName;
    private final Supplier<Exporter> exporter;

    Format(String flagName, Supplier<Exporter> exporter) {
        this.flagName = flagName;
        this.exporter = exporter;
    }

    public Exporter exporter() { return exporter.get(); }

    public static List<String> names() { return Arrays.stream(values()).map(f -> f.flagName).toList(); }

    /** The format called {@code name}, or null. */
    public static Format named(String name) {
        return Arrays.stream(values()).filter(f -> f.flagName.equals(name)).findFirst().orElse(null);
    }
}
