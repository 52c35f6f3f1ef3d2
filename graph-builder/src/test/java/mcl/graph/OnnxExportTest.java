package mcl.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.NodeProto;
import org.junit.jupiter.api.Test;

/** The export leaves out Identity copies (stop-gradient marks, output renames) and keeps every output's value. */
class OnnxExportTest {
    @Test
    void identitiesAreLeftOutWhereAValueCanTakeTheOutputsName() throws Exception {
        Graph g = new Graph("t");
        Tensor a = g.input("a", DType.FLOAT, 3);
        Tensor r = Elementwise.relu(a);
        Tensor stopped = Elementwise.stopGradient(r);
        Tensor sq = Elementwise.mul(stopped, stopped);
        g.output("relu", r);
        g.output("square", sq);
        g.output("square_again", sq); // a second name for one value: needs a copy
        g.output("a_copy", a);        // a graph input under another name: needs a copy
        ModelProto m = OnnxExport.toModel(g);
        List<String> ops = m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertEquals(List.of("Relu", "Mul", "Identity", "Identity"), ops);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(m.toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {-1, 2, 3}), new long[] {3});
             OrtSession.Result out = s.run(Map.of("a", in))) {
            assertArrayEquals(new float[] {0, 2, 3}, (float[]) out.get("relu").orElseThrow().getValue());
            assertArrayEquals(new float[] {0, 4, 9}, (float[]) out.get("square").orElseThrow().getValue());
            assertArrayEquals(new float[] {0, 4, 9}, (float[]) out.get("square_again").orElseThrow().getValue());
            assertArrayEquals(new float[] {-1, 2, 3}, (float[]) out.get("a_copy").orElseThrow().getValue());
        }
    }

    @Test
    void maxPoolIndicesAreWrittenOnlyWhereSomethingReadsThem() {
        Graph g = new Graph("t");
        Tensor x = g.input("x", DType.FLOAT, 1, 1, 4, 4);
        g.output("pooled", ConvPool.maxPool(x, 2, 2, 0).values());
        assertEquals(1, OnnxExport.toModel(g).getGraph().getNode(0).getOutputCount());
        Graph h = new Graph("t");
        Tensor y = h.input("x", DType.FLOAT, 1, 1, 4, 4);
        ConvPool.MaxPoolResult p = ConvPool.maxPool(y, 2, 2, 0);
        h.output("pooled", p.values());
        h.output("where", p.indices());
        assertEquals(2, OnnxExport.toModel(h).getGraph().getNode(0).getOutputCount());
    }
}
