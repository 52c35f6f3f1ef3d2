package mcl.checkpoints.names;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * detectron2 R-50-FPN names (GeneralizedRCNN with FPN.NORM and the FastRCNNConvFCHead), by the
 * rules detectron2's own torchvision converter uses: ResNet stages layer{t} -> res{t+1}, bn{k}
 * -> conv{k}.norm, downsample -> shortcut, stem outside the stages; FPN index i -> level i+2.
 */
public final class Detectron2Names implements NameMapper {
    private static final Pattern STAGE = Pattern.compile("layer(\\d)\\.(\\d+)\\.(.+)");
    private static final Pattern BN = Pattern.compile("bn(\\d)\\.(.+)");
    private static final Pattern FPN = Pattern.compile("(inner_blocks|layer_blocks)\\.(\\d)\\.([01])\\.(.+)");
    private static final Pattern HEAD = Pattern.compile("(\\d)\\.([01])\\.(.+)");

    public String map(String canonical) {
        if (canonical.startsWith("backbone.body.")) return "backbone.bottom_up." + body(canonical.substring("backbone.body.".length()));
        if (canonical.startsWith("backbone.fpn.")) {
            Matcher m = match(FPN, canonical.substring("backbone.fpn.".length()), canonical);
            String kind = m.group(1).equals("inner_blocks") ? "fpn_lateral" : "fpn_output";
            return "backbone." + kind + (Integer.parseInt(m.group(2)) + 2) + convOrNorm(m.group(3), m.group(4));
        }
        if (canonical.startsWith("roi_heads.box_head.")) {
            Matcher m = match(HEAD, canonical.substring("roi_heads.box_head.".length()), canonical);
            return "roi_heads.box_head.conv" + (Integer.parseInt(m.group(1)) + 1) + convOrNorm(m.group(2), m.group(3));
        }
        throw new IllegalArgumentException("detectron2 R-50-FPN has no place for '" + canonical + "'");
    }

    /** ResNet body name (torchvision) -> detectron2 bottom_up name. */
    private static String body(String n) {
        Matcher s = STAGE.matcher(n);
        if (!s.matches()) return "stem." + block(n);
        return "res" + (Integer.parseInt(s.group(1)) + 1) + "." + s.group(2) + "." + block(s.group(3));
    }

    private static String block(String n) {
        if (n.startsWith("downsample.0.")) return "shortcut." + n.substring("downsample.0.".length());
        if (n.startsWith("downsample.1.")) return "shortcut.norm." + n.substring("downsample.1.".length());
        Matcher b = BN.matcher(n);
        return b.matches() ? "conv" + b.group(1) + ".norm." + b.group(2) : n;
    }

    /** Conv2dNormActivation children: ".0" is the conv itself, ".1" its norm. */
    private static String convOrNorm(String child, String rest) {
        return (child.equals("0") ? "." : ".norm.") + rest;
    }

    private static Matcher match(Pattern p, String s, String canonical) {
        Matcher m = p.matcher(s);
        if (!m.matches()) throw new IllegalArgumentException("detectron2 R-50-FPN has no place for '" + canonical + "'");
        return m;
    }
}
