package mcl.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mcl.data.pipeline.ShardLoaders;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;
import mcl.runtime.dist.Communicator;
import mcl.runtime.dist.Mpi;
import mcl.runtime.optim.Trainable;
import mcl.runtime.ort.SessionConfig;
import mcl.runtime.train.Split;
import mcl.runtime.train.StepResult;
import mcl.runtime.train.TrainConfig;
import mcl.runtime.train.Trainer;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;

/**
 * A child process of {@link DataParallelTest}: trains the tiny preset for a few steps as one rank
 * of an mpirun job (or as one process with {@code shards} shards) and, on rank 0, writes what the
 * test compares: step 1's loss and averaged gradients, and the online weights after the last step.
 *
 * <p>Arguments: OUT_DIR STEPS SHARDS_PER_PROCESS SYNC_BN(true|false).
 */
public final class ShardedSteps {
    static final int BATCH = 8;

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]);
        int shards = Integer.parseInt(args[2]);
        boolean sync = Boolean.parseBoolean(args[3]);
        Communicator comm = Mpi.launchedByMpirun() ? Mpi.init() : Communicator.SINGLE;
        try {
            run(comm, out, steps, shards, sync);
            comm.close();
        } catch (Throwable e) {
            e.printStackTrace();
            comm.abort(1);
        }
        System.exit(0);
    }

    static void run(Communicator comm, Path out, int steps, int shards, boolean sync) throws Exception {
        TrainConfig config = TrainConfig.merge(TrainConfig.preset("tiny"), TrainConfig.JSON.createObjectNode()
                .put("batch", BATCH).put("steps", steps).put("warmup_steps", 0).put("threads", 1).put("workers", 1)
                .put("eval_every", 0).put("shards", shards).put("sync_bn", sync), "test");
        Split split = Split.of(config, comm.size());
        try (ImageSource source = Sources.open(config.data());
             Trainer t = new Trainer(TrainingGraphs.forConfig(config, split), config.larsSettings(), config.clipNorm(), SessionConfig.cpu(1), comm);
             ShardLoaders loader = ShardLoaders.open(source, config.dataConfig(split.shardBatch()), comm.rank() * shards, shards, split.shards())) {
            t.initialise(config.seed());
            var lr = config.lrSchedule();
            var ema = config.emaSchedule();
            StringBuilder losses = new StringBuilder();
            for (int s = 0; s < steps; s++) {
                StepResult r = t.step(loader.next(), lr.at(s), ema.at(s));
                losses.append(r.loss()).append('\n');
                if (s == 0 && comm.rank() == 0) {
                    // after the step: clipping (norm ~15 < 500) left the averaged gradients as they were
                    Map<String, HostTensor> grads = new LinkedHashMap<>();
                    for (Trainable p : t.trainables()) {
                        float[] g = new float[p.grad().capacity()];
                        p.grad().get(0, g);
                        grads.put(p.name(), HostTensor.of(g, g.length));
                    }
                    SafeTensors.write(out.resolve("grads-step1.safetensors"), grads, Map.of());
                }
            }
            if (comm.rank() == 0) {
                Files.writeString(out.resolve("losses.txt"), losses);
                SafeTensors.write(out.resolve("online.safetensors"), t.online().snapshot(), Map.of());
            }
        }
    }

    static List<String> command(Path out, int steps, int shards, boolean sync) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                ShardedSteps.class.getName(), out.toString(), Integer.toString(steps), Integer.toString(shards), Boolean.toString(sync));
    }
}
