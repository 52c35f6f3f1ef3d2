package mcl.runtime.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.OnnxExport;
import mcl.graphs.nets.ResNet;
import mcl.runtime.ort.DirectBuffers;

/**
 * Measures the training step under ONNX Runtime session options that {@code GraphSession} does
 * not expose (memory pattern, CPU arena, thread spinning, optimisation level), one fresh session
 * per variant, each on the same graph and buffers. A research tool behind BENCHMARKS.md, not part
 * of the CLI.
 *
 * <p>Usage: {@code java -cp mcl.jar mcl.runtime.bench.SessionOptionsProbe r18 32 224 2 REPS VARIANT...}
 * with VARIANT one of default, nopattern, noarena, nospin, basic, extended, joined by '+' (prof: also
 * write an ORT profile under java.io.tmpdir).
 */
public final class SessionOptionsProbe {
    private SessionOptionsProbe() { }

    public static void main(String[] a) throws Exception {
        var tg = GradBenchmark.trainingGraph(ResNet.variant(a[0]), 256, Integer.parseInt(a[1]), Integer.parseInt(a[2]));
        int threads = Integer.parseInt(a[3]);
        int reps = Integer.parseInt(a[4]);
        byte[] model = OnnxExport.toModel(tg.graph()).toByteArray();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (String variant : Arrays.copyOfRange(a, 5, a.length)) {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(threads);
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                for (String v : variant.split("\\+")) {
                    switch (v) {
                        case "default" -> { }
                        case "nopattern" -> o.setMemoryPatternOptimization(false);
                        case "noarena" -> o.setCPUArenaAllocator(false);
                        case "nospin" -> o.addConfigEntry("session.intra_op.allow_spinning", "0");
                        case "basic" -> o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
                        case "prof" -> o.enableProfiling(System.getProperty("java.io.tmpdir") + "/mcl_probe_" + variant.replace('+', '_'));
                        case "extended" -> o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
                        default -> throw new IllegalArgumentException("unknown variant " + v);
                    }
                }
                try (OrtSession s = env.createSession(model, o)) {
                    SplittableRandom rng = new SplittableRandom(7);
                    Map<String, OnnxTensor> in = new LinkedHashMap<>();
                    Map<String, OnnxTensor> out = new LinkedHashMap<>();
                    for (var e : s.getInputInfo().entrySet()) {
                        long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape();
                        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
                        FloatBuffer b = DirectBuffers.floats(n);
                        for (int i = 0; i < n; i++) b.put(i, (float) (rng.nextDouble() * 0.2 - 0.1));
                        in.put(e.getKey(), OnnxTensor.createTensor(env, b, shape));
                    }
                    for (var e : s.getOutputInfo().entrySet()) {
                        long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape();
                        out.put(e.getKey(), OnnxTensor.createTensor(env, DirectBuffers.floats(Arrays.stream(shape).reduce(1, Math::multiplyExact)), shape));
                    }
                    List<Double> times = new ArrayList<>();
                    for (int i = 0; i < reps + 1; i++) {
                        long t0 = System.nanoTime();
                        s.run(in, java.util.Set.of(), out).close();
                        if (i > 0) times.add((System.nanoTime() - t0) / 1e9);
                    }
                    double[] t = times.stream().mapToDouble(Double::doubleValue).toArray();
                    System.out.printf("%-20s median %.3f s  reps %s  VmHWM %.2f GiB%n", variant, GradBenchmark.Stats.median(t),
                            times.stream().map(x -> String.format("%.3f", x)).toList(), ProcStatus.kib("VmHWM") / 1048576.0);
                    in.values().forEach(OnnxTensor::close);
                    out.values().forEach(OnnxTensor::close);
                }
            }
        }
    }
}
