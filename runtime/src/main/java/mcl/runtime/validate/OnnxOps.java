package mcl.runtime.validate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The ONNX operator table (default domain, up to opset {@link #TABLE_OPSET}) with the opset each
 * operator first appeared in; written by {@code oracle/onnx_ops.py} from the onnx package's schemas.
 */
final class OnnxOps {
    /** The newest opset the table is complete for: ops of later opsets are left to ONNX Runtime. */
    static final long TABLE_OPSET = 17;
    private static final Map<String, Integer> FIRST = load();

    private OnnxOps() { }

    /** The opset an operator first appeared in, or null if the table does not know it. */
    static Integer firstOpset(String opType) { return FIRST.get(opType); }

    private static Map<String, Integer> load() {
        Map<String, Integer> m = new HashMap<>();
        try (var in = OnnxOps.class.getResourceAsStream("onnx-ops.txt");
             var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.trim().split("\\s+");
                m.put(f[0], Integer.parseInt(f[1]));
            }
        } catch (IOException | NullPointerException e) {
            throw new UncheckedIOException(new IOException("the ONNX operator table onnx-ops.txt is missing from the jar", e));
        }
        return m;
    }
}
