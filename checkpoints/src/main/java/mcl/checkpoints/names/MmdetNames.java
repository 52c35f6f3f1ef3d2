package mcl.checkpoints.names;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * mmdetection names: ResNet (style 'pytorch') keeps torchvision's names under "backbone."; the FPN
 * neck and the Shared4Conv1FCBBoxHead are ConvModules whose children are "conv" and "bn"
 * (norm_cfg type BN or SyncBN).
 */
public final class MmdetNames implements NameMapper {
    private static final Pattern FPN = Pattern.compile("backbone\\.fpn\\.(inner_blocks|layer_blocks)\\.(\\d)\\.([01])\\.(.+)");
    private static final Pattern HEAD = Pattern.compile("roi_heads\\.box_head\\.(\\d)\\.([01])\\.(.+)");

    public String map(String canonical) {
        if (canonical.startsWith("backbone.body.")) return "backbone." + canonical.substring("backbone.body.".length());
        Matcher f = FPN.matcher(canonical);
        if (f.matches()) {
            String kind = f.group(1).equals("inner_blocks") ? "lateral_convs" : "fpn_convs";
            return "neck." + kind + "." + f.group(2) + convModule(f.group(3), f.group(4));
        }
        Matcher h = HEAD.matcher(canonical);
        if (h.matches()) return "roi_head.bbox_head.shared_convs." + h.group(1) + convModule(h.group(2), h.group(3));
        throw new IllegalArgumentException("mmdetection Faster/Mask R-CNN has no place for '" + canonical + "'");
    }

    private static String convModule(String child, String rest) {
        return (child.equals("0") ? ".conv." : ".bn.") + rest;
    }
}
