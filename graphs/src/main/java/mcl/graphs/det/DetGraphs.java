package mcl.graphs.det;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graphs.BackboneFpn;
import mcl.graphs.ManifestParts;

/**
 * One-stage FCOS detection graphs for the transfer benchmark: the (pre-trained) backbone + FPN
 * exactly as {@link BackboneFpn#apply} (parameters "backbone.body.*", "backbone.fpn.*", so
 * pre-trained weights load by name) with the shared {@link DetHead} ("det_head.*") on P2..P5,
 * fine-tuned end to end. Target assignment, decoding and NMS are the caller's (Java, in the
 * runtime's {@code mcl.runtime.transfer.det}); the graphs see per-location tensors only.
 *
 * <p>Locations: L = sum over P2..P5 of (S / stride)^2, level-major (P2 first), then row-major
 * (y, then x) within a level; location (l, y, x) has centre ((x + 0.5) * stride_l, (y + 0.5) * stride_l)
 * pixels. Box distances are (l, t, r, b) from that centre to the box's left, top, right and bottom
 * edges, in pixels of the input, in targets and predictions alike.
 *
 * <ul>
 *   <li>{@code det_train}: inputs {@value #IMAGES} float [B,3,S,S], {@value #CLS_TARGETS} float [B,L,K]
 *       (one-hot of class c-1 at positives, zeros elsewhere), {@value #BOX_TARGETS} float [B,L,4]
 *       (pixels; ignored at negatives), {@value #CTR_TARGETS} float [B,L] (zeros at negatives),
 *       {@value #POS_MASK} float [B,L] (1 / 0), {@value #NUM_POS} float [] (positives in the batch,
 *       at least 1), {@value #CTR_SUM} float [] (sum of the positives' centerness targets, at least
 *       1e-6), and every parameter/buffer; outputs {@value #LOSS}, {@value #LOSS_CLS},
 *       {@value #LOSS_BOX}, {@value #LOSS_CTR} (see {@link FcosLoss}), "grad.&lt;param&gt;" for every
 *       trainable parameter and "&lt;bn layer&gt;.batch_mean"/".batch_var" of every BN layer (BN in
 *       train mode; the head has GroupNorm, which has no statistics).</li>
 *   <li>{@code det_eval}: BN with running statistics; input {@value #IMAGES} [B,3,S,S]; outputs
 *       {@value #CLS_LOGITS} [B,L,K], {@value #BOX_PRED} [B,L,4] (pixels, non-negative),
 *       {@value #CTR_LOGITS} [B,L].</li>
 * </ul>
 */
public final class DetGraphs {
    public static final String TRAIN = "det_train.onnx";
    public static final String EVAL = "det_eval.onnx";
    public static final String MANIFEST = "det_manifest.json";
    public static final String IMAGES = BackboneFpn.IMAGES;
    public static final String CLS_TARGETS = "cls_targets";
    public static final String BOX_TARGETS = "box_targets";
    public static final String CTR_TARGETS = "ctr_targets";
    public static final String POS_MASK = "pos_mask";
    public static final String NUM_POS = "num_pos";
    public static final String CTR_SUM = "ctr_sum";
    public static final String LOSS = "loss";
    public static final String LOSS_CLS = "loss.cls";
    public static final String LOSS_BOX = "loss.box";
    public static final String LOSS_CTR = "loss.ctr";
    public static final String CLS_LOGITS = "cls_logits";
    public static final String BOX_PRED = "box_pred";
    public static final String CTR_LOGITS = "ctr_logits";

    /** The built graphs; {@code trainBn} lists every BN layer's batch-statistics outputs of {@code train}. */
    public record Built(DetConfig config, Graph train, Graph eval, List<Nn.BnStats> trainBn) {
        public ObjectNode manifest() { return DetGraphs.manifest(this); }
    }

    private DetGraphs() { }

    public static Built build(DetConfig cfg) {
        Nn trainNn = new Nn(new Graph("mcl_det_train"), BnMode.TRAIN);
        buildTrain(cfg, trainNn);
        return new Built(cfg, trainNn.graph(), evalGraph(cfg, cfg.batch()), trainNn.bnStats());
    }

    private static void buildTrain(DetConfig cfg, Nn nn) {
        Graph g = nn.graph();
        int b = cfg.batch();
        int l = cfg.locations();
        Tensor images = g.input(IMAGES, DType.FLOAT, b, 3, cfg.size(), cfg.size());
        Tensor clsT = g.input(CLS_TARGETS, DType.FLOAT, b, l, cfg.numClasses());
        Tensor boxT = g.input(BOX_TARGETS, DType.FLOAT, b, l, 4);
        Tensor ctrT = g.input(CTR_TARGETS, DType.FLOAT, b, l);
        Tensor pos = g.input(POS_MASK, DType.FLOAT, b, l);
        Tensor numPos = g.input(NUM_POS, DType.FLOAT);
        Tensor ctrSum = g.input(CTR_SUM, DType.FLOAT);
        FcosLoss.Terms t = FcosLoss.terms(forward(nn, cfg, images), clsT, boxT, ctrT, pos, numPos, ctrSum);
        g.output(LOSS, t.total());
        g.output(LOSS_CLS, t.cls());
        g.output(LOSS_BOX, t.box());
        g.output(LOSS_CTR, t.ctr());
        Autodiff.outputParamGradients(t.total());
    }

    /** The evaluation graph for {@code batch} images (BN with running statistics). */
    public static Graph evalGraph(DetConfig cfg, int batch) {
        Graph g = new Graph("mcl_det_eval");
        Tensor images = g.input(IMAGES, DType.FLOAT, batch, 3, cfg.size(), cfg.size());
        DetHead.Outputs o = forward(new Nn(g, BnMode.EVAL), cfg, images);
        g.output(CLS_LOGITS, o.clsLogits());
        g.output(BOX_PRED, o.boxPred());
        g.output(CTR_LOGITS, o.ctrLogits());
        return g;
    }

    /** images [B,3,S,S] -> the head's per-location outputs: backbone + FPN, then the shared head on P2..P5. */
    public static DetHead.Outputs forward(Nn nn, DetConfig cfg, Tensor images) {
        Graph g = nn.graph();
        List<Tensor> pyramid = BackboneFpn.apply(nn, cfg.preset().backbone(), cfg.preset().fpnChannels(), images);
        try (var s = g.scope("det_head")) {
            return DetHead.apply(nn, pyramid, cfg.headChannels(), cfg.numClasses());
        }
    }

    /** Writes det_train.onnx, det_eval.onnx and det_manifest.json into {@code dir}. */
    public static Built write(DetConfig cfg, Path dir) throws IOException {
        Built b = build(cfg);
        ManifestParts.writeFolder(dir, Map.of(TRAIN, b.train(), EVAL, b.eval()), MANIFEST, b.manifest());
        return b;
    }

    /**
     * Config, the location layout (per level: stride, side in locations, first location), both
     * graphs' interfaces, parameters (shape, init, role, weight_decay) and the BN statistics of det_train.
     */
    static ObjectNode manifest(Built b) {
        DetConfig c = b.config();
        ObjectNode m = ManifestParts.header("mcl-det-graphs/1", c.preset());
        m.put("num_classes", c.numClasses());
        m.put("batch", c.batch());
        m.put("size", c.size());
        m.put("head_channels", c.headChannels());
        m.put("locations", c.locations());
        m.put("box_units", "pixels");
        ArrayNode levels = m.putArray("levels");
        for (int l = 0; l < DetHead.STRIDES.length; l++) {
            ObjectNode o = levels.addObject();
            o.put("name", BackboneFpn.LEVEL_NAMES.get(l));
            o.put("stride", DetHead.STRIDES[l]);
            o.put("side", c.size() / DetHead.STRIDES[l]);
            o.put("offset", DetHead.offset(l, c.size()));
        }
        ManifestParts.fineTuneGraphs(m, TRAIN, b.train(), EVAL, b.eval(), b.trainBn());
        return m;
    }
}
