package mcl.data.pipeline;

import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import mcl.data.FloatImage;
import mcl.data.RgbImage;
import mcl.data.augment.ByolAugment;
import mcl.data.augment.Rng;
import mcl.data.montage.MontageAssembler;
import mcl.data.montage.MontageBatch;
import mcl.data.source.BadImageException;
import mcl.data.source.ImageSource;
import mcl.data.source.Warnings;

/**
 * Produces {@link MontageBatch}es in step order, assembled ahead of time by worker threads.
 *
 * <p>Lifecycle: construct (validates the source and starts prefetching from step 0), optionally
 * {@link #seek} to a resumed step, call {@link #next} once per training step, {@link #close}.
 * The batch returned by {@code next} is reused after the following {@code next} call;
 * {@link MontageBatch#copy} keeps one.
 *
 * <p>Determinism: epoch e visits the images in a permutation drawn from (seed, e); step s takes
 * positions s*B .. s*B+B-1 of it (the last incomplete batch is dropped). Every augmented copy
 * draws from a stream keyed by (seed, epoch, position, view, level) and every montage layout
 * from (seed, epoch, step, view, level), so a batch is a pure function of the config, the
 * source and the global step, whatever the worker count or timing. An unreadable image is
 * warned about once, counted, and replaced by the next readable image in the epoch order.
 *
 * <p>Sharded (data parallel): shard k of n reads positions s*G + k*B .. s*G + k*B + B-1 of the
 * epoch order, G = n*B being the global batch, so the shards of a step are disjoint and together
 * the global batch; its montage layouts draw from streams keyed by the shard too.
 */
public final class BatchLoader implements AutoCloseable {
    private final ImageSource source;
    private final DataConfig config;
    private final MontageAssembler assembler;
    private final int stepsPerEpoch;
    private final int shard;
    private final int shards;
    private final ExecutorService workers;
    private final BlockingQueue<MontageBatch> free;
    private final Set<Integer> bad = ConcurrentHashMap.newKeySet();
    private final AtomicInteger decodeSkips = new AtomicInteger();
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private BlockingQueue<Pending> ready;
    private Thread producer;
    private MontageBatch current;
    private long waitNanos;
    private long lastWaitNanos;
    private long steps;

    private record Pending(MontageBatch batch, CountDownLatch done, AtomicReference<Throwable> error) { }

    /** Per-worker buffers: nothing is allocated per image once they have grown. */
    private static final class Scratch {
        final RgbImage decoded = new RgbImage();
        final FloatImage copy = new FloatImage();
        final ByolAugment.Scratch augment = new ByolAugment.Scratch();
    }

    public BatchLoader(ImageSource source, DataConfig config) {
        this(source, config, 0, 1);
    }

    /** The loader of shard {@code shard} of {@code shards}: {@code config.batch()} images of each global batch. */
    public BatchLoader(ImageSource source, DataConfig config, int shard, int shards) {
        if (shards < 1 || shard < 0 || shard >= shards) throw new IllegalArgumentException("shard " + shard + " of " + shards);
        this.source = source;
        this.config = config;
        this.shard = shard;
        this.shards = shards;
        int n = source.size();
        long global = (long) config.batch() * shards;
        if (n < global)
            throw new IllegalArgumentException(source.describe() + " has " + n + " images, fewer than one batch of " + global);
        this.stepsPerEpoch = (int) (n / global);
        this.assembler = new MontageAssembler(config, shards > 1 ? shard : -1);
        AtomicInteger threadNo = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(config.workers(), r -> {
            Thread t = new Thread(r, "mcl-data-worker-" + threadNo.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        // prefetch queued + one held by the caller + one being filled.
        this.free = new ArrayBlockingQueue<>(config.prefetch() + 2);
        for (int i = 0; i < config.prefetch() + 2; i++) free.add(new MontageBatch(config));
        start(0);
    }

    public DataConfig config() { return config; }

    /** Full global batches per epoch (N / (B x shards)). */
    public int stepsPerEpoch() { return stepsPerEpoch; }

    /** The global step the next {@link #next} call returns. */
    public long position() { return steps; }

    /** The next batch, blocking until its workers are done. */
    public MontageBatch next() {
        if (producer == null) throw new IllegalStateException("loader is closed");
        if (current != null) {
            free.add(current);
            current = null;
        }
        long t0 = System.nanoTime();
        Pending p;
        try {
            p = ready.take();
            p.done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for data", e);
        }
        lastWaitNanos = System.nanoTime() - t0;
        waitNanos += lastWaitNanos;
        if (p.error.get() != null) {
            free.add(p.batch);
            Throwable e = p.error.get();
            throw new IllegalStateException("data loading failed at step " + p.batch.globalStep() + ": " + e.getMessage(), e);
        }
        current = p.batch;
        steps++;
        return current;
    }

    /** Restarts so that the next batch is the one of {@code globalStep} (for resuming). */
    public void seek(long globalStep) {
        if (globalStep < 0) throw new IllegalArgumentException("step must be >= 0, got " + globalStep);
        stop();
        start(globalStep);
    }

    /** Unreadable files: skipped while opening the source plus those skipped while decoding. */
    public int skippedFiles() { return source.skippedWhileOpening() + decodeSkips.get(); }

    /** Total time {@link #next} has blocked waiting for data. */
    public long dataWaitNanos() { return waitNanos; }

    /** Time the last {@link #next} call blocked. */
    public long lastWaitNanos() { return lastWaitNanos; }

    @Override
    public void close() {
        if (producer == null) return;
        stop();
        producer = null;
        workers.shutdownNow();
    }

    private void start(long globalStep) {
        steps = globalStep;
        ready = new ArrayBlockingQueue<>(config.prefetch());
        BlockingQueue<Pending> queue = ready;
        producer = new Thread(() -> produce(globalStep, queue), "mcl-data-producer");
        producer.setDaemon(true);
        producer.start();
    }

    /** Stops the producer and waits for every in-flight batch, returning all buffers to the pool. */
    private void stop() {
        producer.interrupt();
        boolean interrupted = false;
        while (true) {
            try {
                producer.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (Pending p : ready) {
            awaitUninterruptibly(p.done);
            free.add(p.batch);
        }
        ready.clear();
        if (current != null) {
            free.add(current);
            current = null;
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void produce(long firstStep, BlockingQueue<Pending> queue) {
        long epochOfOrder = -1;
        int[] order = null;
        for (long g = firstStep; ; g++) {
            MontageBatch batch;
            try {
                batch = free.take();
            } catch (InterruptedException e) {
                return;
            }
            long epoch = g / stepsPerEpoch;
            long step = g % stepsPerEpoch;
            if (epoch != epochOfOrder) {
                order = epochOrder(epoch);
                epochOfOrder = epoch;
            }
            batch.setPosition(epoch, step, g);
            assembler.plan(batch, epoch, step);
            Pending p = new Pending(batch, new CountDownLatch(config.batch()), new AtomicReference<>());
            int[] ord = order;
            for (int b = 0; b < config.batch(); b++) {
                int bb = b;
                workers.execute(() -> fill(p, bb, epoch, step, ord));
            }
            try {
                queue.put(p);
            } catch (InterruptedException e) {
                awaitUninterruptibly(p.done);
                free.add(batch);
                return;
            }
        }
    }

    /** The image visiting order of an epoch: a permutation drawn from (seed, epoch). */
    public int[] epochOrder(long epoch) { return Rng.of(config.seed(), Rng.EPOCH_ORDER, epoch).permutation(source.size()); }

    /** Decodes, augments (both views, every level) and places batch image b. */
    private void fill(Pending p, int b, long epoch, long step, int[] order) {
        try {
            Scratch s = scratch.get();
            long pos = step * config.batch() * shards + (long) shard * config.batch() + b;
            int index = load(order, (int) pos, s.decoded);
            p.batch.samples()[b] = index;
            for (int v = 1; v <= 2; v++) {
                ByolAugment.View view = ByolAugment.View.of(v);
                for (int l = 0; l < config.levels(); l++) {
                    Rng rng = Rng.of(config.seed(), Rng.AUGMENT, epoch, pos, v, l);
                    ByolAugment.Draw d = ByolAugment.draw(rng, s.decoded.width(), s.decoded.height(), view);
                    ByolAugment.apply(d, s.decoded, config.size(), s.copy, s.augment);
                    assembler.place(p.batch, v, l, b, s.copy);
                }
            }
        } catch (Throwable t) {
            p.error.compareAndSet(null, t);
        } finally {
            p.done.countDown();
        }
    }

    /** Reads the image at an epoch position, falling forward through the order past unreadable files. */
    private int load(int[] order, int pos, RgbImage out) {
        int n = order.length;
        for (int k = 0; k < n; k++) {
            int index = order[(pos + k) % n];
            if (bad.contains(index)) continue;
            try {
                source.read(index, config.size(), out);
                return index;
            } catch (BadImageException | RuntimeException e) {
                if (bad.add(index)) {
                    decodeSkips.incrementAndGet();
                    String msg = e instanceof BadImageException ? e.getMessage() : source.name(index) + ": " + e;
                    Warnings.warn("skipped " + msg);
                }
            }
        }
        throw new IllegalStateException("none of the " + n + " images of " + source.describe() + " could be read");
    }
}
