package mcl.runtime.train;

/**
 * How one step's global batch is split for data parallelism: {@code processes} (mpirun ranks) x
 * {@code shardsPerProcess} (mcl pretrain --shards) shards of equal size, each assembling montages
 * from its own images into its own instance of the graphs. With synchronized BN the graphs have
 * collective points, where the statistics are summed over the shards of a process and then over
 * the processes; a process runs its shards' instances in lockstep, stage by stage.
 */
public record Split(int processes, int shardsPerProcess, boolean syncBn, int globalBatch) {
    public Split {
        if (processes < 1 || shardsPerProcess < 1) throw new IllegalArgumentException("processes and shards must be >= 1");
        if (globalBatch % (processes * shardsPerProcess) != 0) {
            throw new IllegalArgumentException("--batch " + globalBatch + " (the global batch) does not split into " + processes * shardsPerProcess
                    + " equal shards (" + processes + (processes == 1 ? " process" : " processes") + " x --shards " + shardsPerProcess
                    + "); give a multiple of " + processes * shardsPerProcess);
        }
    }

    public static Split of(TrainConfig c, int processes) {
        return new Split(processes, c.shards(), c.syncBn(), c.batch());
    }

    public int shards() { return processes * shardsPerProcess; }

    public int shardBatch() { return globalBatch / shards(); }

    /** BN statistics over the global batch (there is more than one shard and synchronized BN is on). */
    public boolean synced() { return syncBn && shards() > 1; }

    /** Shards the graphs synchronize BN statistics over (1: the graphs have no collective points). */
    public int syncShards() { return synced() ? shards() : 1; }

    @Override
    public String toString() {
        return processes + (processes == 1 ? " process" : " processes") + " x " + shardsPerProcess + (shardsPerProcess == 1 ? " shard" : " shards")
                + ", " + shardBatch() + " images each; BatchNorm statistics " + (synced() ? "synchronized over the global batch of " + globalBatch
                : "per shard");
    }
}
