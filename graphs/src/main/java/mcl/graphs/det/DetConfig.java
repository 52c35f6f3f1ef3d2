package mcl.graphs.det;

import mcl.graphs.Preset;

/**
 * Everything that shapes the FCOS detection graphs.
 *
 * @param preset       backbone + FPN (the pre-trained network; its FPN width feeds the head)
 * @param numClasses   K object classes (no background class: FCOS scores each class with its own sigmoid;
 *                     scene class c in 1..K is channel c-1)
 * @param batch        images per step (the training graph's, and the evaluation graph's unless asked otherwise)
 * @param size         square input side S, a multiple of 32
 * @param headChannels width of the head's towers; a multiple of {@link DetHead#GN_GROUPS}
 */
public record DetConfig(Preset preset, int numClasses, int batch, int size, int headChannels) {
    public DetConfig {
        if (preset == null) throw new IllegalArgumentException("preset is required");
        Preset.checkImageSize(size);
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        if (batch < 1) throw new IllegalArgumentException("batch must be positive, got " + batch);
        if (headChannels < 1 || headChannels % DetHead.GN_GROUPS != 0) {
            throw new IllegalArgumentException("headChannels must be a positive multiple of " + DetHead.GN_GROUPS
                    + " (the head's GroupNorm groups), got " + headChannels);
        }
    }

    /** The default head width, min(128, FPN channels): 64 for tiny, 128 for r18/r50 (FCOS uses 256; two cores). */
    public static DetConfig of(Preset preset, int numClasses, int batch, int size) {
        return new DetConfig(preset, numClasses, batch, size, defaultHeadChannels(preset));
    }

    public static int defaultHeadChannels(Preset preset) {
        return Math.min(128, preset.fpnChannels());
    }

    /** Locations per image, L: the sum over P2..P5 of (S / stride)^2 (340 at 64 px, 4165 at 224 px). */
    public int locations() {
        return DetHead.locations(size);
    }
}
