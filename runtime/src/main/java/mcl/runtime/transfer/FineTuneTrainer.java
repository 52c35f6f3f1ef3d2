package mcl.runtime.transfer;

import ai.onnxruntime.OrtSession;
import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
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
 * Fine-tunes a transfer network (segmentation, detection) end to end on ONNX Runtime: the training
 * graph gives the loss and every gradient, SGD with momentum updates the weights in place, the BN
 * running statistics follow the batch statistics; the eval graph gives eval-mode outputs. The
 * graphs' data inputs (every input that is not a parameter) get direct buffers the caller fills
 * ({@link #input}); every eval output is readable by name after {@link #predict}.
 *
 * <p>The optimiser is {@link Lars} with the trust-ratio adaptation switched off for every
 * parameter, which is SGD with momentum and L2 weight decay in the "lr inside the momentum"
 * form (buf = m buf + lr (g + wd w); w -= buf): the same update as torch's SGD while the lr is
 * constant, and already checked against PyTorch. Weight decay skips
 * biases and norm parameters, as mmsegmentation's defaults do for BN.
 */
public final class FineTuneTrainer implements AutoCloseable {
    private final FineTuneGraphs graphs;
    private final Weights weights;
    private final List<Trainable> trainables = new ArrayList<>();
    private final Optimizer optimizer;
    private final GraphSession train;
    private final GraphSession eval;
    private final Map<String, Buffer> trainInputs = new LinkedHashMap<>();
    private final Map<String, Buffer> evalInputs = new LinkedHashMap<>();
    private final Map<String, FloatBuffer> outputs = new LinkedHashMap<>();
    private final Map<String, FloatBuffer> evalOutputs = new LinkedHashMap<>();
    private final FloatBuffer loss;

    /** @param int64Inputs the data inputs that are int64 (e.g. segmentation labels); the others are float */
    public FineTuneTrainer(FineTuneGraphs graphs, Lars.Settings sgd, SessionConfig session, Set<String> int64Inputs) {
        this.graphs = graphs;
        this.weights = new Weights(graphs.parameters());
        train = GraphSession.open(graphs.train(), session);
        try {
            eval = GraphSession.open(graphs.eval(), session);
        } catch (RuntimeException e) {
            train.close();
            throw e;
        }
        bindData(train, int64Inputs, trainInputs);
        bindData(eval, int64Inputs, evalInputs);
        bindWeights(train, "the training graph", trainInputs.keySet());
        bindWeights(eval, "the eval graph", evalInputs.keySet());
        for (String out : train.outputNames()) {
            FloatBuffer b = DirectBuffers.floats(numel(train.shape(out)));
            train.bindOutput(out, b);
            outputs.put(out, b);
        }
        for (String out : eval.outputNames()) {
            FloatBuffer b = DirectBuffers.floats(numel(eval.shape(out)));
            eval.bindOutput(out, b);
            evalOutputs.put(out, b);
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

    private void bindData(GraphSession s, Set<String> int64Inputs, Map<String, Buffer> into) {
        for (String in : s.inputNames()) {
            if (weights.has(in)) continue;
            int n = numel(s.shape(in));
            if (int64Inputs.contains(in)) {
                LongBuffer b = DirectBuffers.longs(n);
                s.bindInput(in, b);
                into.put(in, b);
            } else {
                FloatBuffer b = DirectBuffers.floats(n);
                s.bindInput(in, b);
                into.put(in, b);
            }
        }
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
                        + ", the network needs " + Arrays.toString(p.shape()) + " (is it a checkpoint of the same preset?)");
            }
            weights.get(p.name()).put(0, t.floats());
            n++;
        }
        if (n == 0) throw new IllegalArgumentException(what + ": no tensor of the network was accepted for loading");
        return n;
    }

    /** A data input of the training graph (e.g. "images", "labels"), to fill before {@link #step}. */
    public Buffer input(String name) {
        Buffer b = trainInputs.get(name);
        if (b == null) throw new IllegalArgumentException("the training graph has no data input '" + name + "' (it has " + trainInputs.keySet() + ")");
        return b;
    }

    /** The shape of a graph input or output (training graph first, then the eval graph). */
    public long[] graphShape(String name) {
        return train.inputNames().contains(name) || train.outputNames().contains(name) ? train.shape(name) : eval.shape(name);
    }

    public Weights weights() { return weights; }

    /** The manifest's shape of a parameter or buffer. */
    public long[] shape(String name) {
        for (Manifest.ParamInfo p : graphs.parameters()) if (p.name().equals(name)) return p.shape();
        throw new IllegalArgumentException("no parameter named '" + name + "'");
    }

    /**
     * One step on the data inputs as filled, with learning rate {@code lr}. A non-finite loss or
     * gradient updates nothing and returns NaN.
     */
    public double step(double lr) {
        run(train);
        double l = loss.get(0);
        if (!Double.isFinite(l) || !Double.isFinite(GradClip.globalNorm(trainables))) return Double.NaN;
        optimizer.step(lr);
        for (Manifest.BnStat s : graphs.bnStats()) BnRunning.update(weights, s, outputs.get(s.mean()), outputs.get(s.var()));
        return l;
    }

    /** A training-graph output of the last step (e.g. a loss term). */
    public FloatBuffer output(String name) {
        FloatBuffer b = outputs.get(name);
        if (b == null) throw new IllegalArgumentException("the training graph has no output '" + name + "'");
        return b;
    }

    /** Runs the eval graph on {@code images} [B,3,S,S]; its outputs are then read with {@link #evalOutput}. */
    public void predict(float[] images) {
        ((FloatBuffer) evalInputs.get("images")).put(0, images);
        run(eval);
    }

    /** An eval-graph output of the last {@link #predict} (the buffer is reused by the next call). */
    public FloatBuffer evalOutput(String name) {
        FloatBuffer b = evalOutputs.get(name);
        if (b == null) throw new IllegalArgumentException("the eval graph has no output '" + name + "' (it has " + evalOutputs.keySet() + ")");
        return b;
    }

    private void bindWeights(GraphSession s, String graph, Set<String> data) {
        for (String in : s.inputNames()) {
            if (data.contains(in)) continue;
            if (weights.get(in).capacity() != numel(s.shape(in))) {
                throw new IllegalArgumentException(graph + ": input '" + in + "' has " + numel(s.shape(in)) + " elements, the manifest's shape "
                        + weights.get(in).capacity());
            }
            s.bindInput(in, weights.get(in));
        }
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
