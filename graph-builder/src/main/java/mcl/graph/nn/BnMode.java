package mcl.graph.nn;

/** How batch norm layers normalise. */
public enum BnMode {
    /**
     * Batch statistics, written out from elementary ops; each layer also emits graph outputs
     * "<layer>.batch_mean" and "<layer>.batch_var" (biased) so the runtime can update the running
     * statistics.
     */
    TRAIN,
    /** Running statistics (the fused ONNX BatchNormalization op). */
    EVAL
}
