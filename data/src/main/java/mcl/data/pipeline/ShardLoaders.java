package mcl.data.pipeline;

import java.util.ArrayList;
import java.util.List;
import mcl.data.montage.MontageBatch;
import mcl.data.source.ImageSource;

/**
 * The batches of the data-parallel shards one process runs, step by step: shards
 * {@code first .. first+count-1} of {@code total}, one {@link BatchLoader} each (their workers
 * split the process's). One shard of one is the single-process loader.
 */
public final class ShardLoaders implements AutoCloseable {
    private final List<BatchLoader> loaders;
    private final List<MontageBatch> current;

    public ShardLoaders(List<BatchLoader> loaders) {
        if (loaders.isEmpty()) throw new IllegalArgumentException("no shards");
        this.loaders = List.copyOf(loaders);
        this.current = new ArrayList<>(loaders.size());
    }

    /** Loaders of shards first .. first+count-1 of total, reading {@code source} (shared: sources are safe for concurrent reads). */
    public static ShardLoaders open(ImageSource source, DataConfig config, int first, int count, int total) {
        List<BatchLoader> ls = new ArrayList<>();
        DataConfig each = config.withWorkers(Math.max(1, config.workers() / count));
        try {
            for (int s = first; s < first + count; s++) ls.add(new BatchLoader(source, each, s, total));
        } catch (RuntimeException e) {
            ls.forEach(BatchLoader::close);
            throw e;
        }
        return new ShardLoaders(ls);
    }

    /** The next step's batch of every shard, shard order; reused after the following call. */
    public List<MontageBatch> next() {
        current.clear();
        for (BatchLoader l : loaders) current.add(l.next());
        return current;
    }

    /** The step the next {@link #next} returns. */
    public long position() { return loaders.get(0).position(); }

    public void seek(long step) { loaders.forEach(l -> l.seek(step)); }

    public int stepsPerEpoch() { return loaders.get(0).stepsPerEpoch(); }

    /** How long the last {@link #next} blocked for data. */
    public long lastWaitNanos() {
        long w = 0;
        for (BatchLoader l : loaders) w += l.lastWaitNanos();
        return w;
    }

    public int skippedFiles() { return loaders.get(0).skippedFiles(); }

    @Override
    public void close() { loaders.forEach(BatchLoader::close); }
}
