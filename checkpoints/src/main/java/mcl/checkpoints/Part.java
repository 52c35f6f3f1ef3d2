package mcl.checkpoints;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The exportable parts of the online encoder, by canonical (torchvision
 * {@code fasterrcnn_resnet50_fpn_v2}) name prefix. Projector and predictor are training-only and
 * belong to no part.
 */
public enum Part {
    BACKBONE("backbone.body."),
    FPN("backbone.fpn."),
    HEAD("roi_heads.box_head.");

    public final String prefix;

    Part(String prefix) {
        this.prefix = prefix;
    }

    public String flagName() { return name().toLowerCase(); }

    /** The part a canonical name belongs to, or null (projector, predictor, anything else). */
    public static Part of(String canonicalName) {
        for (Part p : values()) {
            if (canonicalName.startsWith(p.prefix)) return p;
        }
        return null;
    }

    /** Parses "backbone,fpn,head"; the error names the valid parts. */
    public static Set<Part> parseList(String csv) {
        Set<Part> out = EnumSet.noneOf(Part.class);
        for (String s : csv.split(",")) {
            String t = s.strip();
            Part match = Arrays.stream(values()).filter(p -> p.flagName().equals(t)).findFirst().orElse(null);
            if (match == null) throw new IllegalArgumentException("unknown part '" + t + "'; valid parts: " + names());
            out.add(match);
        }
        return out;
    }

    public static String names() {
        return Arrays.stream(values()).map(Part::flagName).collect(Collectors.joining(", "));
    }
}
