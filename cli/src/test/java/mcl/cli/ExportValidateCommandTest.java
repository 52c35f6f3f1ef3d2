package mcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.init.Initializer;
import mcl.graph.nn.BnMode;
import mcl.graph.ops.Elementwise;
import mcl.graphs.BackboneFpn;
import mcl.graphs.Preset;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mcl export` and `mcl validate` end to end through Main (the exporters' parity is proven in mcl-checkpoints). */
class ExportValidateCommandTest {
    @TempDir
    static Path run;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Main main = new Main(new PrintStream(out, true), new PrintStream(err, true));

    /** A ResNet-18 run folder in the trainer's layout, with initialiser values (parity is not the point here). */
    @BeforeAll
    static void writeRun() throws Exception {
        Map<String, HostTensor> w = new LinkedHashMap<>();
        var params = new java.util.ArrayList<>(BackboneFpn.graph(Preset.R18, BnMode.EVAL, 1, 64).params());
        Graph head = new Graph("head");
        for (int j = 0; j < 4; j++) {
            try (var s = head.scope("roi_heads"); var b = head.scope("box_head"); var i = head.scope(Integer.toString(j))) {
                head.param("0.weight", new Init.KaimingNormalFanOut(), Param.Role.TRAINABLE, 256, 256, 3, 3);
                head.param("1.weight", Init.ONES, Param.Role.TRAINABLE, 256);
                head.param("1.bias", Init.ZEROS, Param.Role.TRAINABLE, 256);
                head.param("1.running_mean", Init.ZEROS, Param.Role.BUFFER, 256);
                head.param("1.running_var", Init.ONES, Param.Role.BUFFER, 256);
            }
        }
        params.addAll(head.params());
        Initializer.initialise(params, 3).forEach((n, v) -> w.put(n, HostTensor.of(v, params.stream().filter(p -> p.name().equals(n)).findFirst().orElseThrow().shape())));
        w.put("projector.0.weight", HostTensor.of(new float[8], 2, 4));
        Path ck = run.resolve("checkpoints/step-00000042");
        Files.createDirectories(ck);
        SafeTensors.write(ck.resolve("online.safetensors"), w, Map.of());
        SafeTensors.write(ck.resolve("target.safetensors"), w, Map.of());
        Files.writeString(ck.resolve("state.json"), "{\"preset\": \"r18\", \"step\": 42, \"image_size\": 64}");
        Files.writeString(run.resolve("checkpoints/latest"), "step-00000042");
    }

    @Test
    void exportsEveryFormatAndPrintsTheConfig() {
        for (String[] f : new String[][] {{"torchvision", "tv.pth"}, {"detectron2", "d2.pkl"}, {"mmdet", "mm.pth"},
                {"safetensors", "w.safetensors"}, {"onnx", "m.onnx"}}) {
            out.reset();
            int rc = main.run("export", "--checkpoint", run.toString(), "--format", f[0], "--out", dir.resolve(f[1]).toString());
            assertEquals(0, rc, f[0] + ": " + err);
            assertTrue(Files.isRegularFile(dir.resolve(f[1])), f[1]);
            assertTrue(out.toString().startsWith("wrote " + dir.resolve(f[1]) + ": " + f[0] + " r18 (online encoder, parts backbone,fpn,head)"), out.toString());
            if (f[0].equals("detectron2")) {
                assertTrue(out.toString().contains("STRIDE_IN_1X1: False") && out.toString().contains("NUM_CONV: 4"), out.toString());
            }
        }
    }

    @Test
    void badInputGetsOneLineNamingTheValidChoices() {
        String[][] cases = {
            {"--format", "detectorn2", "did you mean 'detectron2'", "valid formats: torchvision, detectron2, mmdet, safetensors, onnx"},
            {"--parts", "backbone,neck", "unknown part 'neck'", "valid parts: backbone, fpn, head"},
            {"--which", "ema", "unknown encoder 'ema'", "valid: online, target"},
            {"--div", "two", "--div needs a number", "'two'"},
        };
        for (String[] c : cases) {
            err.reset();
            Map<String, String> flags = new LinkedHashMap<>(Map.of("--checkpoint", run.toString(), "--format", "safetensors",
                    "--out", dir.resolve("x.safetensors").toString()));
            flags.put(c[0], c[1]);
            String[] args = flags.entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue()))
                    .toArray(String[]::new);
            String[] full = new String[args.length + 1];
            full[0] = "export";
            System.arraycopy(args, 0, full, 1, args.length);
            assertEquals(2, main.run(full), String.join(" ", full));
            String e = err.toString().strip();
            assertEquals(1, e.lines().count(), e);
            assertTrue(e.contains(c[2]) && e.contains(c[3]), e);
        }
        err.reset();
        assertEquals(2, main.run("export", "--checkpoint", dir.toString(), "--format", "onnx", "--out", dir.resolve("m.onnx").toString()));
        assertTrue(err.toString().contains("neither a checkpoint folder") && err.toString().strip().lines().count() == 1, err.toString());
        err.reset();
        assertEquals(2, main.run("export", "--chekpoint", run.toString()));
        assertTrue(err.toString().contains("did you mean '--checkpoint'"), err.toString());
    }

    @Test
    void validatePassesExportsAndGraphFoldersAndFailsBadGraphs() throws Exception {
        Path onnx = dir.resolve("m.onnx");
        assertEquals(0, main.run("export", "--checkpoint", run.toString(), "--format", "onnx", "--out", onnx.toString()), err.toString());
        out.reset();
        assertEquals(0, main.run("validate", onnx.toString()), out.toString() + err);
        assertTrue(out.toString().contains("ok   m.onnx run:"), out.toString());

        // The tiny preset's own batch (64) and T (0.2): with a handful of samples per BN, float32 central
        // differences of a train-mode BN network are too ill-conditioned to check anything.
        out.reset();
        assertEquals(0, main.run("graphs", "--preset", "tiny", "--levels", "2", "--out", dir.resolve("g").toString()));
        var counted = java.util.regex.Pattern.compile("online_train.onnx \\((\\d+) nodes\\)").matcher(out.toString());
        assertTrue(counted.find(), out.toString());
        out.reset();
        assertEquals(0, main.run("validate", "--json", dir.resolve("g").toString()), out.toString() + err);
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertTrue(j.get("ok").asBoolean(), j.toString());
        // structure, mcl-contract, manifest, ort-load and run for each of the three graphs, plus the training graph's gradient check
        assertEquals(16, j.get("checks").size(), j.toString());
        assertTrue(j.get("checks").get(0).get("detail").asText().contains(" " + counted.group(1) + " nodes,"),
                "`mcl graphs` and `mcl validate` count the same nodes: " + counted.group(1) + " vs " + j.get("checks").get(0));
        assertTrue(j.toString().contains("\"gradient\""), j.toString());

        Graph g = new Graph("nan");
        Tensor x = g.input("x", DType.FLOAT, 2);
        g.output("y", Elementwise.log(Elementwise.neg(Elementwise.addScalar(Elementwise.relu(x), 1))));
        Files.write(dir.resolve("nan.onnx"), OnnxExport.toModel(g).toByteArray());
        out.reset();
        assertEquals(1, main.run("validate", dir.resolve("nan.onnx").toString()));
        assertEquals(1, out.toString().lines().filter(l -> l.startsWith("FAIL ")).count(), out.toString());
        assertTrue(out.toString().contains("FAIL nan.onnx run: output 'y' has 2 non-finite values"), out.toString());

        err.reset();
        assertEquals(2, main.run("validate"));
        assertTrue(err.toString().contains("give exactly one PATH"), err.toString());
    }
}
