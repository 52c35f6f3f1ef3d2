package mcl.checkpoints.names;

/**
 * torchvision names. The canonical names already are the detection models' keys; a plain
 * classification ResNet ({@code resnet50()}) uses the body's names without "backbone.body.".
 */
public enum TorchvisionNames implements NameMapper {
    /** {@code fasterrcnn_resnet50_fpn_v2} / {@code maskrcnn_resnet50_fpn_v2} keys. */
    DETECTION {
        public String map(String canonical) { return canonical; }
    },
    /** {@code resnet50()} keys: the backbone body only. */
    CLASSIFICATION {
        public String map(String canonical) {
            if (!canonical.startsWith(BODY)) throw new IllegalArgumentException("a classification ResNet has no place for '" + canonical + "'");
            return canonical.substring(BODY.length());
        }
    };

    private static final String BODY = "backbone.body.";
}
