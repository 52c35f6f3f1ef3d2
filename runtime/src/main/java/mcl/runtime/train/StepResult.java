package mcl.runtime.train;

/**
 * What one training step did.
 *
 * @param skipped   the loss or a gradient was not finite: nothing was updated
 * @param gradNorm  global gradient norm before clipping
 * @param targetNs  time in target_forward (both views)
 * @param onlineNs  time in online_train (forward and backward)
 * @param optimNs   clipping and LARS
 * @param emaNs     EMA of the target and BN running statistics
 * @param copyNs    copying the batch into the graph's input buffers
 * @param exchangeNs gathering the targets and averaging gradients and losses over processes and shards
 * @param syncBnNs   synchronized BN's collectives inside the graphs (part of targetNs and onlineNs)
 */
public record StepResult(double loss, double[] levelLosses, double posCos, double negCos, double gradNorm, boolean skipped,
                         long copyNs, long targetNs, long onlineNs, long optimNs, long emaNs, long exchangeNs, long syncBnNs) { }
