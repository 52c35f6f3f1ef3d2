package mcl.runtime.transfer;

import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import mcl.runtime.optim.GradClip;
import mcl.runtime.optim.Lars;
import mcl.runtime.optim.Optimizer;
import mcl.runtime.optim.Trainable;
import mcl.runtime.ort.DirectBuffers;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;
import mcl.runtime.train.BnRunning;
import mcl.runtime.train.Manifest;
import mcl.runtime.train.Weights;
import mcl.tensors.HostTensor;

/**
 * Fine-tunes a segmentation network end to end on ONNX Runtime: {@code seg_train.onnx} gives the
 * loss and every gradient, SGD with momentum updates the weights in place, the BN running
 * statistics follow the batch statistics; {@code seg_eval.onnx} gives eval-mode logits.
 *
 * <p>The optimiser is {@link Lars} with the trust-ratio adaptation switched off for every
 * parameter, which is SGD with momentum and L2 weight decay in the "lr inside the momentum"
 * form (buf = m buf + lr (g + wd w); w -= buf): the same update as torch's SGD while the lr is
 * constant, and already checked against PyTorch. Weight decay skips
 * biases and norm parameters, as mmsegmentation's defaults do for BN.
 */
public final class SegTrainer implements AutoCloseable {
    private final SegGraphBundle graphs;
    private final Weights weights;
    private final List<Trainable> trainables = new ArrayList<>();
    private final Optimizer optimizer;
    private final GraphSession train;
    private final GraphSession eval;
    private final FloatBuffer trainImages;
    private final LongBuffer trainLabels;
    private final FloatBuffer evalImages;
    private final FloatBuffer logits;
    private final FloatBuffer loss;
    private final Map<String, FloatBuffer> outputs = new java.util.LinkedHashMap<>();
    private final long[] trainShape;
    private final long[] logitsShape;

    public SegTrainer(SegGraphBundle graphs, Lars.Settings sgd, SessionConfig session) {
        this.graphs = graphs;
        this.weights = new Weights(graphs.parameters());
        train = GraphSession.open(graphs.train(), session);
        try {
            eval = GraphSession.open(graphs.eval(), session);
        } catch (RuntimeException e) {
            train.close();
            throw e;
        }
        trainShape = train.shape("images");
        trainImages = DirectBuffers.floats(numel(trainShape));
        trainLabels = DirectBuffers.longs(numel(train.shape("labels")));
        train.bindInput("images", trainImages);
        train.bindInput("labels", trainLabels);
        evalImages = DirectBuffers.floats(numel(eval.shape("images")));
        eval.bindInput("images", evalImages);
        logitsShape = eval.shape("logits");
        logits = DirectBuffers.floats(numel(logitsShape));
        eval.bindOutput("logits", logits);
        bindWeights(train, "seg_train.onnx", "images", "labels");
        bindWeights(eval, "seg_eval.onnx", "images");
        for (String out : train.outputNames()) {
            FloatBuffer b = DirectBuffers.floats(numel(train.shape(out)));
            train.bindOutput(out, b);
            outputs.put(out, b);
        }
        loss = output("loss");
        for (Manifest.ParamInfo p : graphs.parameters()) {
            if (!p.trainable()) continue;
            trainables.add(new Trainable(p.name(), weights.get(p.name()), output("grad." + p.name()), false, p.weightDecay()));
        }
        for (Manifest.BnStat s : graphs.bnStats()) {
            output(s.mean());
            output(s.var());
        }
        optimizer = new Lars(trainables, sgd);
    }

    /** Fresh weights from the seed, as the manifest's initialisers declare. */
    public void initialise(long seed) {
        weights.initialise(graphs.parameters(), seed);
    }

    /**
     * Overwrites the tensors whose names {@code accept} takes (e.g. the backbone and FPN of a
     * pre-trained encoder) with {@code pretrained}'s values. Every accepted name the network has
     * must be present with its shape: a partial load would silently mix pre-trained and random weights.
     *
     * @return how many tensors were loaded
     */
    public int load(Map<String, HostTensor> pretrained, Predicate<String> accept, String what) {
        int n = 0;
        for (Manifest.ParamInfo p : graphs.parameters()) {
            if (!accept.test(p.name())) continue;
            HostTensor t = pretrained.get(p.name());
            if (t == null) throw new IllegalArgumentException(what + " has no tensor '" + p.name() + "' (is it a checkpoint of the same preset?)");
            if (!Arrays.equals(t.shape(), p.shape())) {
                throw new IllegalArgumentException(what + ": tensor '" + p.name() + "' has shape " + Arrays.toString(t.shape())
                        + ", the segmentation network needs " + Arrays.toString(p.shape()) + " (is it a checkpoint of the same preset?)");
            }
            weights.get(p.name()).put(0, t.floats());
            n++;
        }
        if (n == 0) throw new IllegalArgumentException(what + ": no tensor of the segmentation network was accepted for loading");
        return n;
    }

    public int trainBatch() { return (int) trainShape[0]; }

    public int evalBatch() { return (int) logitsShape[0]; }

    public int size() { return (int) trainShape[2]; }

    public int classes() { return (int) logitsShape[1]; }

    public Weights weights() { return weights; }

    /** The manifest's shape of a parameter or buffer. */
    public long[] shape(String name) {
        for (Manifest.ParamInfo p : graphs.parameters()) if (p.name().equals(name)) return p.shape();
        throw new IllegalArgumentException("no parameter named '" + name + "'");
    }

    /**
     * One step on a batch (images [B,3,S,S] normalised, labels [B,S,S]) with learning rate
     * {@code lr}. A non-finite loss or gradient updates nothing and returns NaN.
     */
    public double step(float[] images, long[] labels, double lr) {
        trainImages.put(0, images);
        trainLabels.put(0, labels);
        run(train);
        double l = loss.get(0);
        if (!Double.isFinite(l) || !Double.isFinite(GradClip.globalNorm(trainables))) return Double.NaN;
        optimizer.step(lr);
        for (Manifest.BnStat s : graphs.bnStats()) BnRunning.update(weights, s, outputs.get(s.mean()), outputs.get(s.var()));
        return l;
    }

    /** Eval-mode logits [B,K,S,S] of a batch of images (the returned buffer is reused by the next call). */
    public FloatBuffer predict(float[] images) {
        evalImages.put(0, images);
        run(eval);
        return logits;
    }

    private void bindWeights(GraphSession s, String graph, String... data) {
        List<String> dataInputs = List.of(data);
        for (String in : s.inputNames()) {
            if (dataInputs.contains(in)) continue;
            if (!weights.has(in)) throw new IllegalArgumentException(graph + " reads '" + in + "', which the manifest does not list as a parameter");
            if (weights.get(in).capacity() != numel(s.shape(in))) {
                throw new IllegalArgumentException(graph + ": input '" + in + "' has " + numel(s.shape(in)) + " elements, the manifest's shape "
                        + weights.get(in).capacity());
            }
            s.bindInput(in, weights.get(in));
        }
    }

    private FloatBuffer output(String name) {
        FloatBuffer b = outputs.get(name);
        if (b == null) throw new IllegalArgumentException("seg_train.onnx has no output '" + name + "'");
        return b;
    }

    private static void run(GraphSession s) {
        try (OrtSession.Result r = s.run()) {
            // every output is bound to a buffer
        }
    }

    private static int numel(long[] shape) { return Math.toIntExact(mcl.graph.Shapes.numel(shape)); }

    @Override
    public void close() {
        train.close();
        eval.close();
    }
}
