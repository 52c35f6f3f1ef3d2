package mcl.graphs.seg;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.ShapeException;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Norm;
import mcl.graph.ops.Reduce;
import mcl.graphs.BackboneFpn;
import mcl.graphs.ManifestParts;

/**
 * Semantic-FPN segmentation graphs for the transfer benchmark: the (pre-trained) backbone + FPN
 * exactly as {@link BackboneFpn#apply} (parameters "backbone.body.*", "backbone.fpn.*", so
 * pre-trained weights load by name) with the {@link SegHead} ("seg_head.*"), fine-tuned end to end.
 *
 * <ul>
 *   <li>{@code seg_train}: inputs {@value #IMAGES} float [B,3,S,S], {@value #LABELS} int64 [B,S,S]
 *       (0..K-1) and every parameter/buffer; outputs {@value #LOSS} (mean per-pixel cross-entropy,
 *       torch F.cross_entropy), {@value #PIXEL_CORRECT} (float count of pixels whose label logit is
 *       the maximum, i.e. argmax == label up to exact ties), "grad.&lt;param&gt;" for every trainable
 *       parameter and "&lt;bn layer&gt;.batch_mean"/".batch_var" of every BN layer (BN in train mode).</li>
 *   <li>{@code seg_eval}: BN with running statistics; input {@value #IMAGES} [B,3,S,S], output
 *       {@value #LOGITS} [B,K,S,S].</li>
 * </ul>
 */
public final class SegGraphs {
    public static final String TRAIN = "seg_train.onnx";
    public static final String EVAL = "seg_eval.onnx";
    public static final String MANIFEST = "seg_manifest.json";
    public static final String IMAGES = BackboneFpn.IMAGES;
    public static final String LABELS = "labels";
    public static final String LOSS = "loss";
    public static final String PIXEL_CORRECT = "pixel_correct";
    public static final String LOGITS = "logits";

    /** The built graphs; {@code trainBn} lists every BN layer's batch-statistics outputs of {@code train}. */
    public record Built(SegConfig config, Graph train, Graph eval, List<Nn.BnStats> trainBn) {
        public ObjectNode manifest() { return SegGraphs.manifest(this); }
    }

    private SegGraphs() { }

    public static Built build(SegConfig cfg) {
        Nn trainNn = new Nn(new Graph("mcl_seg_train"), BnMode.TRAIN);
        buildTrain(cfg, trainNn);
        return new Built(cfg, trainNn.graph(), evalGraph(cfg, cfg.batch()), trainNn.bnStats());
    }

    private static void buildTrain(SegConfig cfg, Nn nn) {
        Graph g = nn.graph();
        Tensor images = g.input(IMAGES, DType.FLOAT, cfg.batch(), 3, cfg.size(), cfg.size());
        Tensor labels = g.input(LABELS, DType.INT64, cfg.batch(), cfg.size(), cfg.size());
        Tensor logits = forward(nn, cfg, images);
        Tensor loss = pixelCrossEntropy(logits, labels);
        g.output(LOSS, loss);
        g.output(PIXEL_CORRECT, pixelCorrect(logits, labels));
        Autodiff.outputParamGradients(loss);
    }

    /** The evaluation graph for {@code batch} images (BN with running statistics). */
    public static Graph evalGraph(SegConfig cfg, int batch) {
        Graph g = new Graph("mcl_seg_eval");
        Tensor images = g.input(IMAGES, DType.FLOAT, batch, 3, cfg.size(), cfg.size());
        g.output(LOGITS, forward(new Nn(g, BnMode.EVAL), cfg, images));
        return g;
    }

    /** images [B,3,S,S] -> logits [B,K,S,S]: backbone + FPN, Semantic-FPN head, bilinear x4. */
    public static Tensor forward(Nn nn, SegConfig cfg, Tensor images) {
        Graph g = nn.graph();
        List<Tensor> pyramid = BackboneFpn.apply(nn, cfg.preset().backbone(), cfg.preset().fpnChannels(), images);
        Tensor quarter;
        try (var s = g.scope("seg_head")) {
            quarter = SegHead.apply(nn, pyramid, cfg.headChannels(), cfg.numClasses());
        }
        return nn.upsampleBilinear(quarter, 4);
    }

    /** Mean over every pixel of -log softmax(logits)[label] (torch F.cross_entropy on [B,K,H,W] and [B,H,W]). */
    public static Tensor pixelCrossEntropy(Tensor logits, Tensor labels) {
        Tensor index = labelIndex(logits, labels);
        Tensor picked = Movement.gatherElements(Norm.logSoftmax(logits, 1), index, 1);
        return Elementwise.neg(Reduce.mean(picked, false, 0, 1, 2, 3));
    }

    /** Pixels whose label's logit equals the class maximum, as a float scalar (no ArgMax op needed). */
    public static Tensor pixelCorrect(Tensor logits, Tensor labels) {
        Tensor picked = Movement.gatherElements(logits, labelIndex(logits, labels), 1);
        Tensor hit = Elementwise.cast(Elementwise.equal(picked, Reduce.max(logits, true, 1)), logits.dtype());
        return Reduce.sum(hit, false, 0, 1, 2, 3);
    }

    private static Tensor labelIndex(Tensor logits, Tensor labels) {
        if (logits.rank() != 4 || labels.rank() != 3 || labels.dtype() != DType.INT64 || labels.dim(0) != logits.dim(0)
                || labels.dim(1) != logits.dim(2) || labels.dim(2) != logits.dim(3)) {
            throw new ShapeException("pixel cross-entropy needs logits [B,K,H,W] and int64 labels [B,H,W], got "
                    + logits.describe() + " and " + labels.describe());
        }
        return Movement.reshape(labels, labels.dim(0), 1, labels.dim(1), labels.dim(2));
    }

    /** Writes seg_train.onnx, seg_eval.onnx and seg_manifest.json into {@code dir}. */
    public static Built write(SegConfig cfg, Path dir) throws IOException {
        Built b = build(cfg);
        mcl.graphs.ManifestParts.writeFolder(dir, java.util.Map.of(TRAIN, b.train(), EVAL, b.eval()), MANIFEST, b.manifest());
        return b;
    }

    /** Config, both graphs' interfaces, parameters (shape, init, role, weight_decay) and the BN statistics of seg_train. */
    static ObjectNode manifest(Built b) {
        SegConfig c = b.config();
        ObjectNode m = mcl.graphs.ManifestParts.header("mcl-seg-graphs/1", c.preset());
        m.put("num_classes", c.numClasses());
        m.put("batch", c.batch());
        m.put("size", c.size());
        m.put("head_channels", c.headChannels());
        ManifestParts.fineTuneGraphs(m, TRAIN, b.train(), EVAL, b.eval(), b.trainBn());
        return m;
    }
}
