package mcl.checkpoints;

import java.nio.file.Path;
import java.util.Map;
import mcl.tensors.HostTensor;

/**
 * One checkpoint folder ({@code RUN/checkpoints/step-00000123/}) as opened by
 * {@link CheckpointReader}. The weights are read on demand: a checkpoint of ResNet-50 is
 * hundreds of megabytes per encoder and an export needs only one of them.
 *
 * @param dir       the checkpoint folder
 * @param preset    the network preset recorded in state.json ("r50", "r18", ...)
 * @param step      the optimiser step recorded in state.json
 * @param imageSize the training crop size recorded in state.json
 */
public record Checkpoint(Path dir, String preset, long step, int imageSize) {
    /** Every tensor of the chosen encoder under its canonical name, in file order. */
    public Map<String, HostTensor> weights(Which which) {
        return CheckpointReader.readWeights(dir.resolve(which.fileName));
    }
}
