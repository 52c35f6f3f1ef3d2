package mcl.graphs.seg;

import mcl.graphs.Preset;

/**
 * Everything that shapes the semantic-segmentation graphs.
 *
 * @param preset       backbone + FPN (the pre-trained network; its FPN width feeds the head)
 * @param numClasses   K, labels are 0..K-1
 * @param batch        images per step (the training graph's, and the evaluation graph's unless asked otherwise)
 * @param size         square input side, a multiple of 32
 * @param headChannels width of the Semantic-FPN scale heads
 */
public record SegConfig(Preset preset, int numClasses, int batch, int size, int headChannels) {
    public SegConfig {
        if (preset == null) throw new IllegalArgumentException("preset is required");
        Preset.checkImageSize(size);
        if (numClasses < 2) throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
        if (batch < 1) throw new IllegalArgumentException("batch must be positive, got " + batch);
        if (headChannels < 1) throw new IllegalArgumentException("headChannels must be positive, got " + headChannels);
    }

    /** The default head width, min(128, FPN channels) (mmsegmentation's FPNHead uses 128 on a 256-wide FPN). */
    public static SegConfig of(Preset preset, int numClasses, int batch, int size) {
        return new SegConfig(preset, numClasses, batch, size, defaultHeadChannels(preset));
    }

    public static int defaultHeadChannels(Preset preset) {
        return Math.min(128, preset.fpnChannels());
    }
}
