package mcl.graphs.mcl;

import java.nio.file.Path;
import mcl.testing.Oracle;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our exported MCL graphs are exactly the reference's computation: the very online_train.onnx and
 * target_forward.onnx that the parity test runs in ORT float32 are executed in float64
 * (oracle/onnx_f64.py, an interpreter of the builder's op set, each op checked against the ONNX
 * specification by {@code onnx_f64.py selfcheck}) on the reference's inputs and weights, and every
 * output (loss, level losses, cosine statistics, every BN layer's batch statistics of both views
 * and of the target network, the targets, every gradient) must agree with the float64 PyTorch
 * reference (oracle/mcl_reference.py f64) within 1e-9 (max|ours-ref|/max|ref|; statistics absolute).
 *
 * <p>Why 1e-9: with the same computation, the only difference left is float64 rounding
 * (eps 1.1e-16) amplified by the problem's conditioning. PyTorch float32 against a float64 run that
 * takes the same ReLU sides is 5.7e-6 off on r18 mode a L=4, i.e. float32's eps 6e-8 amplified ~1e2;
 * the same amplification predicts ~1e-14 in float64, and the worst tensor measures 3.4e-14 (tiny:
 * 2.3e-14). 1e-9 sits ~3e4 above that, while a wrong rule, weight or constant shows up far above
 * it: scaling every conv weight-gradient rule by 1+1e-6 fails 162 tensors (9.5e-7), one weight
 * element changed by 1e-6 relative fails 13, and the exported float32 constants left unrestored fail
 * 77 (2.1e-7). Those constants (1/count of a mean's gradient, BN's eps) are mapped back to the
 * doubles the builder rounded them from (onnx_f64.restore_constant). ReLU kinks cannot split the
 * two float64 runs: the closest pre-activation to 0 is 3.6e-8 of its call's max (printed as
 * closest_relu_kink), 1e8 above float64 rounding.
 *
 * <p>This is what settled the float32 disagreement of r18 a L=4 in MclGraphParityTest: the graph
 * is exact; its float32 distance (up to 1.3e-1 from a float64 run that ignores ReLU kinks) was the
 * sides float32 rounding picked at ReLU pre-activations within rounding of 0, and with the reference
 * on our sides it is 9.0e-6.
 * Run time on 2 cores: tiny ~35 s, r18 ~2.5 min.
 */
class MclGraphF64ExactnessTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} mode={1} L={2} size={3}")
    @CsvSource({"tiny, a, 4, 64", "r18, a, 4, 64"})
    void ourGraphsInFloat64AreTheReferenceComputation(String preset, String mode, int levels, int size) throws Exception {
        Oracle.require();
        Oracle.run("onnx_f64.py", "selfcheck");
        MclGraphParityTest.writeCase(dir, preset, mode, levels, size);
        Oracle.run("mcl_reference.py", "f64", dir.toString(), "1e-9");
    }
}
