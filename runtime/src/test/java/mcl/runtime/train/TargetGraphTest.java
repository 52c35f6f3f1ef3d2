package mcl.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import mcl.data.pipeline.BatchLoader;
import mcl.data.pipeline.DataConfig;
import mcl.data.source.Sources;
import mcl.graph.OnnxExport;
import mcl.graphs.Preset;
import mcl.graphs.mcl.MatchMode;
import mcl.graphs.mcl.MclConfig;
import mcl.graphs.mcl.MclGraphs;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.NodeProto;
import mcl.runtime.optim.Lars;
import mcl.runtime.ort.SessionConfig;
import mcl.tensors.HostTensor;
import org.junit.jupiter.api.Test;

/**
 * The tiny preset's real graphs: the target graph computes only the FPN level its embedding reads
 * (P5 for level 0), and the running statistics of the target layers it skips follow the online ones.
 */
class TargetGraphTest {
    private static final DataConfig DATA = DataConfig.of(64, 4, 3).withSeed(2).withWorkers(1).withPrefetch(1);

    @Test
    void theTargetRunsOnlyWhatItsEmbeddingReadsAndItsOtherStatisticsFollowTheOnline() throws Exception {
        int[] montages = new int[DATA.levels()];
        for (int l = 0; l < montages.length; l++) montages[l] = DATA.montages(l);
        MclGraphs.Built b = MclGraphs.build(MclConfig.of(Preset.named("tiny"), DATA.levels(), MatchMode.parse("a"), 4, 64, montages));
        ModelProto target = OnnxExport.toModel(b.target());
        List<String> layers = target.getGraph().getNodeList().stream().map(NodeProto::getName).toList();
        assertTrue(layers.stream().anyMatch(n -> n.startsWith("backbone.fpn.layer_blocks.3.")), "P5 is computed");
        for (int i = 0; i < 3; i++) {
            String skipped = "backbone.fpn.layer_blocks." + i + ".";
            assertFalse(layers.stream().anyMatch(n -> n.startsWith(skipped)), skipped + " is not read by the level-0 embedding");
        }
        assertFalse(target.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Identity")), "no Identity copies");
        List<String> withStats = b.targetBn().stream().map(s -> s.layer()).toList();
        assertTrue(withStats.stream().anyMatch(n -> n.startsWith("backbone.fpn.layer_blocks.3")), withStats.toString());
        assertFalse(withStats.stream().anyMatch(n -> n.startsWith("backbone.fpn.inner_blocks.0")), withStats.toString());

        GraphBundle g = GraphBundle.of(OnnxExport.toModel(b.online()).toByteArray(), target.toByteArray(), b.manifest());
        try (Trainer t = new Trainer(g, Lars.Settings.RECIPE, 500, SessionConfig.cpu(1));
             var src = Sources.open("synthetic:16:1"); var loader = new BatchLoader(src, DATA)) {
            t.initialise(3);
            assertFalse(t.step(loader.next(), 0.5, 0.99).skipped());
            Map<String, HostTensor> on = t.online().snapshot();
            Map<String, HostTensor> tg = t.target().snapshot();
            String unrun = "backbone.fpn.layer_blocks.0.1.running_var";
            assertFalse(isInitial(tg.get(unrun).floats(), 1f), "the online statistics moved");
            assertArrayEquals(on.get(unrun).floats(), tg.get(unrun).floats(), unrun + " follows the online network");
            String run = "backbone.fpn.layer_blocks.3.1.running_var";
            assertFalse(isInitial(tg.get(run).floats(), 1f));
            assertFalse(java.util.Arrays.equals(on.get(run).floats(), tg.get(run).floats()), run + " has the target's own statistics");
        }
    }

    private static boolean isInitial(float[] v, float init) {
        for (float x : v) if (x != init) return false;
        return true;
    }
}
