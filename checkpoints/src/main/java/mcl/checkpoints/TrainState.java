package mcl.checkpoints;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import mcl.tensors.HostTensor;

/**
 * Everything needed to continue a run exactly: a checkpoint's content.
 *
 * @param step          steps completed (the next step's index)
 * @param epoch         epoch of the next batch
 * @param dataPosition  global batch index the loader continues from; with the seed it fixes every
 *                      later batch (the loader's random streams are keyed by seed and position)
 * @param consecutiveBad non-finite steps in a row at the time of saving
 * @param skippedSteps  non-finite steps skipped so far
 * @param config        the run's settings as JSON (the runtime's TrainConfig; read back by it, not here)
 * @param online        online weights and BN buffers
 * @param target        target weights and BN buffers
 * @param optimizer     the optimiser's state (LARS momentum)
 */
public record TrainState(long step, long epoch, long dataPosition, long seed, int consecutiveBad, long skippedSteps,
                         ObjectNode config, Map<String, HostTensor> online, Map<String, HostTensor> target,
                         Map<String, HostTensor> optimizer) { }
