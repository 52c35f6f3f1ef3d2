package mcl.runtime.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import mcl.runtime.train.Manifest;

/**
 * The fine-tuning graphs of one transfer task (segmentation, detection): the training graph (loss
 * and gradients), the eval-mode graph, and their manifest's parameter list and BN batch-statistics
 * outputs.
 */
public record FineTuneGraphs(byte[] train, byte[] eval, JsonNode manifestJson, List<Manifest.ParamInfo> parameters,
                             List<Manifest.BnStat> bnStats) {
    public static FineTuneGraphs of(byte[] train, byte[] eval, JsonNode manifest) {
        Map<String, List<Manifest.BnStat>> bn = Manifest.bnStats(manifest);
        return new FineTuneGraphs(train, eval, manifest, Manifest.parameters(manifest),
                bn.values().stream().flatMap(List::stream).toList());
    }
}
