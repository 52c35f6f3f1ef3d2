package mcl.runtime.train;

/** Builds (or loads) the training graphs of a run for the way its batch is split. */
@FunctionalInterface
public interface GraphSource {
    GraphBundle build(TrainConfig config, Split split);
}
