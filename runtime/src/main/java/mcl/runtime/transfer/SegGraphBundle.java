package mcl.runtime.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import mcl.runtime.train.Manifest;

/**
 * The fine-tuning graphs of one segmentation configuration: {@code seg_train.onnx} (loss and
 * gradients), {@code seg_eval.onnx} (eval-mode logits) and their manifest's parameter list and
 * BN batch-statistics outputs.
 */
public record SegGraphBundle(byte[] train, byte[] eval, JsonNode manifestJson, List<Manifest.ParamInfo> parameters,
                             List<Manifest.BnStat> bnStats) {
    public static SegGraphBundle of(byte[] train, byte[] eval, JsonNode manifest) {
        Map<String, List<Manifest.BnStat>> bn = Manifest.bnStats(manifest);
        return new SegGraphBundle(train, eval, manifest, Manifest.parameters(manifest),
                bn.values().stream().flatMap(List::stream).toList());
    }
}
