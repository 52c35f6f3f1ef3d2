package mcl.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Tensor;
import mcl.graph.ops.Elementwise;
import org.junit.jupiter.api.Test;

class GraphSessionTest {
    private static byte[] model() {
        Graph g = new Graph("axpy");
        Tensor x = g.input("x", DType.FLOAT, 2, 3);
        Tensor y = g.input("y", DType.FLOAT, 2, 3);
        g.output("z", Elementwise.add(Elementwise.scale(x, 2.0), y));
        g.output("w", Elementwise.relu(y));
        return OnnxExport.toModel(g).toByteArray();
    }

    @Test
    void boundBuffersAreReadAndWrittenInPlaceAcrossRuns() {
        try (GraphSession s = GraphSession.open(model(), SessionConfig.cpu(1))) {
            FloatBuffer x = DirectBuffers.copyOf(new float[] {1, 2, 3, 4, 5, 6});
            FloatBuffer y = DirectBuffers.copyOf(new float[] {-1, 0, 1, -1, 0, 1});
            FloatBuffer z = DirectBuffers.floats(6);
            s.bindInput("x", x);
            s.bindInput("y", y);
            s.bindOutput("z", z);
            try (var r = s.run()) {
                assertArrayEquals(new float[] {0, 0, 1, 0, 0, 1}, GraphSession.floats(r, "w"));
            }
            assertEquals(1f, z.get(0));
            assertEquals(13f, z.get(5));
            x.put(0, 10f); // new values, same buffer: no rebinding
            try (var r = s.run()) {
                assertEquals(19f, z.get(0));
            }
        }
    }

    @Test
    void unknownNamesAndHeapBuffersAreRejected() {
        try (GraphSession s = GraphSession.open(model(), SessionConfig.cpu(1))) {
            var e = assertThrows(IllegalArgumentException.class, () -> s.bindInput("nope", DirectBuffers.floats(6)));
            assertTrue(e.getMessage().contains("'nope'"));
            assertThrows(IllegalArgumentException.class, () -> s.bindInput("x", FloatBuffer.allocate(6)));
            assertThrows(IllegalStateException.class, s::run);
        }
    }

    @Test
    void cudaOnTheCpuBuildFailsWithAClearMessage() {
        // The default build ships the CPU-only onnxruntime jar, so CUDA must be refused clearly.
        org.junit.jupiter.api.Assumptions.assumeFalse(System.getProperty("mcl.gpu") != null);
        var e = assertThrows(DeviceUnavailableException.class,
                () -> GraphSession.open(model(), new SessionConfig(Device.CUDA, 1, null)).close());
        assertTrue(e.getMessage().contains("-Pgpu"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
    }
}
