package mcl.runtime.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.GraphManifest;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.nn.BnMode;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Linalg;
import mcl.graph.ops.Reduce;
import mcl.graphs.BackboneFpn;
import mcl.graphs.Preset;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.OperatorSetIdProto;
import mcl.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each check of `mcl validate` passes a good graph and catches a planted fault. */
class GraphValidatorTest {
    @TempDir
    Path dir;

    /** Writes a graph folder as `mcl graphs` does: model with parameters as inputs, manifest.json. */
    private Path folder(String file, ModelProto m, ObjectNode describe) throws Exception {
        Files.write(dir.resolve(file), m.toByteArray());
        ObjectNode manifest = GraphManifest.JSON.createObjectNode();
        manifest.putObject("graphs").set(file, describe);
        GraphManifest.JSON.writeValue(dir.resolve(GraphValidator.MANIFEST).toFile(), manifest);
        return dir;
    }

    private static String failures(ValidationReport r) {
        return r.failures().stream().map(Finding::line).collect(Collectors.joining("\n"));
    }

    private static boolean failed(ValidationReport r, String check, String text) {
        return r.failures().stream().anyMatch(f -> f.check().equals(check) && f.detail().contains(text));
    }

    @Test
    void backboneFolderPassesEveryCheck() throws Exception {
        Graph g = BackboneFpn.graph(Preset.R18, BnMode.EVAL, 1, 64);
        ValidationReport r = GraphValidator.validate(folder("backbone_fpn.onnx", OnnxExport.toModel(g), GraphManifest.describe(g)), 6);
        assertTrue(r.ok(), failures(r));
        assertEquals(List.of("structure", "mcl-contract", "manifest", "ort-load", "run"), r.findings().stream().map(Finding::check).toList());
    }

    @Test
    void wrongShapeInManifestOrModelIsCaught() throws Exception {
        Graph g = BackboneFpn.graph(Preset.R18, BnMode.EVAL, 1, 64);
        ObjectNode describe = GraphManifest.describe(g);
        ((com.fasterxml.jackson.databind.node.ArrayNode) describe.get("inputs").get(0).get("shape")).set(0, 2);
        ValidationReport r = GraphValidator.validate(folder("backbone_fpn.onnx", OnnxExport.toModel(g), describe), 0);
        assertTrue(failed(r, "manifest", "input 'images': manifest says float[2,3,64,64], model declares float[1,3,64,64]"), failures(r));

        // The model itself declares p3 with a wrong size: ORT computes the true one, the run check sees it.
        ModelProto.Builder m = OnnxExport.toModel(g).toBuilder();
        m.getGraphBuilder().getOutputBuilder(1).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(2).setDimValue(9);
        Path single = dir.resolve("bad.onnx");
        Files.write(single, m.build().toByteArray());
        r = GraphValidator.validate(single, 0);
        assertTrue(failed(r, "run", "output 'p3' came out [1,256,8,8], declared float[1,256,9,8]"), failures(r));
        assertEquals(1, r.failures().size(), failures(r));
    }

    @Test
    void nonDefaultDomainIsCaught() throws Exception {
        Graph g = tinyForward();
        ModelProto.Builder m = OnnxExport.toModel(g).toBuilder();
        m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1));
        m.getGraphBuilder().getNodeBuilder(0).setDomain("com.microsoft");
        Path f = dir.resolve("domain.onnx");
        Files.write(f, m.build().toByteArray());
        ValidationReport r = GraphValidator.validate(f, 0);
        assertTrue(failed(r, "mcl-contract", "opset import of non-default domain 'com.microsoft'"), failures(r));
        assertTrue(r.findings().stream().anyMatch(fi -> fi.check().equals("structure") && fi.ok()), "a declared domain is valid ONNX");
        Files.write(f, OnnxExport.toModel(g).toByteArray());
        assertTrue(GraphValidator.validate(f, 0).ok(), "the same graph in the default domain passes");
    }

    @Test
    void nanProducingGraphIsCaught() throws Exception {
        Graph g = new Graph("nan");
        Tensor x = g.input("x", DType.FLOAT, 2, 3);
        // log(-(relu(x) + 1)): the log of a negative number, NaN everywhere.
        g.output("y", Elementwise.log(Elementwise.neg(Elementwise.addScalar(Elementwise.relu(x), 1))));
        Path f = dir.resolve("nan.onnx");
        Files.write(f, OnnxExport.toModel(g).toByteArray());
        ValidationReport r = GraphValidator.validate(f, 0);
        assertTrue(failed(r, "run", "output 'y' has 6 non-finite values of 6"), failures(r));
        assertTrue(r.findings().stream().anyMatch(fi -> fi.check().equals("structure") && fi.ok()), "structure itself is fine");
    }

    @Test
    void rightGradientsPassAndAPlantedWrongOneIsCaught() throws Exception {
        Graph good = tinyTraining(false);
        ValidationReport r = GraphValidator.validate(folder("train.onnx", OnnxExport.toModel(good), GraphManifest.describe(good)), 6);
        assertTrue(r.ok(), failures(r));
        assertTrue(r.findings().stream().anyMatch(f -> f.check().equals("gradient") && f.ok() && f.detail().startsWith("6 gradient entries agree")),
                r.findings().toString());

        Graph bad = tinyTraining(true);
        Path single = dir.resolve("train_bad.onnx");
        Files.write(single, OnnxExport.toModel(bad).toByteArray());
        r = GraphValidator.validate(single, 6);
        assertFalse(r.ok());
        List<Finding> wrong = r.failures();
        assertTrue(wrong.stream().allMatch(f -> f.check().equals("gradient") && f.detail().contains("d loss / d w[")), failures(r));
        assertEquals(3, wrong.size(), "the three checked entries of grad.w are wrong, grad.b is right:\n" + failures(r));
    }

    @Test
    void trainingConventionIsStructural() throws Exception {
        Graph g = new Graph("t");
        Tensor x = g.input("x", DType.FLOAT, 2);
        Tensor w = g.param("w", Init.ONES, Param.Role.TRAINABLE, 2);
        g.output("loss", Reduce.sum(Elementwise.mul(x, w), false, 0));
        g.output("grad.v", x);
        Path f = dir.resolve("conv.onnx");
        Files.write(f, OnnxExport.toModel(g).toByteArray());
        ValidationReport r = GraphValidator.validate(f, 2);
        assertTrue(failed(r, "mcl-contract", "output 'grad.v' has no parameter input 'v'"), failures(r));
    }

    @Test
    void anOrdinaryTorchvisionExportPassesWithItsDynamicBatchFilled() throws Exception {
        Path f = dir.resolve("resnet18.onnx");
        Oracle.run("export_resnet18_onnx.py", f.toString());
        ValidationReport r = GraphValidator.validate(f, 0, java.util.Map.of("batch", 3L));
        assertTrue(r.ok(), failures(r));
        assertEquals(List.of("structure", "ort-load", "run"), r.findings().stream().map(Finding::check).toList(), "no mcl contract for a foreign model");
        assertTrue(r.findings().get(0).detail().contains("producer pytorch"), r.findings().get(0).detail());
        assertTrue(r.findings().get(2).detail().contains("named dims batch=3"), r.findings().get(2).detail());
    }

    @Test
    void brokenForeignModelsFailWithTheReason() throws Exception {
        ModelProto good = OnnxExport.toModel(tinyForward()).toBuilder().setProducerName("someone").build();
        assertTrue(check(good).ok(), failures(check(good)));

        ModelProto.Builder dangling = good.toBuilder();
        dangling.getGraphBuilder().getNodeBuilder(0).setInput(0, "ghost");
        assertTrue(failed(check(dangling.build()), "structure", "reads 'ghost' before anything defines it"));

        ModelProto.Builder unknown = good.toBuilder();
        unknown.getGraphBuilder().getNodeBuilder(0).setOpType("Frobnicate");
        ValidationReport r = check(unknown.build());
        assertTrue(failed(r, "structure", "'Frobnicate' is not an ONNX operator"), failures(r));
        assertTrue(failed(r, "ort-load", ""), "ONNX Runtime refuses it too: " + failures(r));

        ModelProto.Builder tooNew = good.toBuilder();
        tooNew.setOpsetImport(0, OperatorSetIdProto.newBuilder().setDomain("").setVersion(13));
        tooNew.getGraphBuilder().getNodeBuilder(0).setOpType("LayerNormalization");
        assertTrue(failed(check(tooNew.build()), "structure", "'LayerNormalization' needs opset 17 or later, the model imports 13"));

        ModelProto.Builder noImport = good.toBuilder();
        noImport.getGraphBuilder().getNodeBuilder(0).setDomain("my.ops");
        assertTrue(failed(check(noImport.build()), "structure", "uses domain 'my.ops' but the model imports no opset for it"));

        ModelProto.Builder lies = good.toBuilder();
        lies.getGraphBuilder().getOutputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(1).setDimValue(5);
        assertTrue(failed(check(lies.build()), "run", "output 'y' came out [2,3], declared float[2,5]"));
    }

    private ValidationReport check(ModelProto m) throws Exception {
        Path f = dir.resolve("m" + System.nanoTime() + ".onnx");
        Files.write(f, m.toByteArray());
        return GraphValidator.validate(f, 0);
    }

    private static Graph tinyForward() {
        Graph g = new Graph("tiny");
        Tensor x = g.input("x", DType.FLOAT, 2, 3);
        g.output("y", Elementwise.relu(x));
        return g;
    }

    /**
     * loss = mean((x w + b - y)^2) over a [4,2] residual r, with hand-written gradients
     * grad.w = (2/8) x^T r and grad.b = (2/8) sum_rows(r). {@code plantWrong} drops the 2 in grad.w.
     */
    private static Graph tinyTraining(boolean plantWrong) {
        Graph g = new Graph("train");
        Tensor x = g.input("x", DType.FLOAT, 4, 3);
        Tensor y = g.input("y", DType.FLOAT, 4, 2);
        Tensor w = g.param("w", new Init.Normal(0.5), Param.Role.TRAINABLE, 3, 2);
        Tensor b = g.param("b", Init.ZEROS, Param.Role.TRAINABLE, 2);
        Tensor r = Elementwise.sub(Linalg.gemm(x, w, b, false, false), y);
        g.output("loss", Reduce.mean(Elementwise.mul(r, r), false, 0, 1));
        g.output("grad.w", Elementwise.scale(Linalg.gemm(x, r, null, true, false), (plantWrong ? 1.0 : 2.0) / 8));
        g.output("grad.b", Elementwise.scale(Reduce.sum(r, false, 0), 2.0 / 8));
        return g;
    }
}
