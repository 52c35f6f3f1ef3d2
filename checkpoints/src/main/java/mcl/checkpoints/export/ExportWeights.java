package mcl.checkpoints.export;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mcl.checkpoints.InvalidCheckpointException;
import mcl.checkpoints.Part;
import mcl.tensors.HostTensor;

/** Choosing the tensors to export and the paper's "Div" rescaling, on canonical names. */
public final class ExportWeights {
    private static final Pattern CONV_K = Pattern.compile("(.*)conv(\\d)\\.weight");

    private ExportWeights() { }

    /** The tensors of {@code parts}, in checkpoint order; a requested part with no tensors is an error. */
    public static Map<String, HostTensor> select(Map<String, HostTensor> all, Set<Part> parts) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Set<Part> seen = EnumSet.noneOf(Part.class);
        for (var e : all.entrySet()) {
            Part p = Part.of(e.getKey());
            if (p != null && parts.contains(p)) {
                out.put(e.getKey(), e.getValue());
                seen.add(p);
            }
        }
        for (Part p : parts) {
            if (!seen.contains(p)) throw new InvalidCheckpointException("the checkpoint has no " + p.prefix + "* tensors (part '" + p.flagName() + "')");
        }
        return out;
    }

    /**
     * Divides every non-normalisation tensor by {@code k} (MCL's "Div", Tab. 10d: a smaller weight
     * norm for fine-tuning; BN makes the network invariant to that scale in train mode). BN affine
     * parameters stay. The running statistics of the BN right after a divided conv are rescaled
     * (mean / k, var / k^2) so that eval-mode BN (FrozenBN, inference) gives the same outputs too,
     * up to BN's eps.
     */
    public static Map<String, HostTensor> divide(Map<String, HostTensor> weights, double k) {
        if (!(k > 0) || Double.isInfinite(k)) throw new IllegalArgumentException("--div must be a positive number, got " + k);
        Map<String, HostTensor> out = new LinkedHashMap<>(weights);
        if (k == 1) return out;
        for (var e : weights.entrySet()) {
            String name = e.getKey();
            if (isNormalisation(name, weights)) continue;
            out.put(name, scaled(e.getValue(), 1 / k));
            String bn = normAfter(name);
            if (bn != null && weights.containsKey(bn + ".running_var")) {
                out.put(bn + ".running_mean", scaled(weights.get(bn + ".running_mean"), 1 / k));
                out.put(bn + ".running_var", scaled(weights.get(bn + ".running_var"), 1 / (k * k)));
            }
        }
        return out;
    }

    /** A tensor of a norm layer: its module has running statistics. */
    static boolean isNormalisation(String name, Map<String, HostTensor> weights) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && weights.containsKey(name.substring(0, dot) + ".running_var");
    }

    /**
     * The BN module that directly normalises the output of conv weight {@code name}, in canonical
     * naming: "X.convK.weight" -> "X.bnK" (ResNet), "X.0.weight" -> "X.1" (downsample,
     * Conv2dNormActivation in FPN and box head); null for anything else.
     */
    static String normAfter(String name) {
        Matcher m = CONV_K.matcher(name);
        if (m.matches()) return m.group(1) + "bn" + m.group(2);
        if (name.endsWith(".0.weight")) return name.substring(0, name.length() - ".0.weight".length()) + ".1";
        return null;
    }

    private static HostTensor scaled(HostTensor t, double s) {
        float[] v = t.floats().clone();
        for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] * s);
        return HostTensor.of(v, t.shape());
    }
}
