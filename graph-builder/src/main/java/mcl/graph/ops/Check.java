package mcl.graph.ops;

import java.util.Arrays;
import java.util.stream.Collectors;
import mcl.graph.DType;
import mcl.graph.Op;
import mcl.graph.ShapeException;
import mcl.graph.Tensor;

/** Build-time checks shared by the op families; every failure names the op and its inputs. */
final class Check {
    private Check() { }

    static ShapeException fail(Op op, String problem, Tensor... inputs) {
        String scope = inputs.length > 0 ? inputs[0].graph().qualified("") : "";
        String where = scope.isEmpty() ? "" : " in scope '" + scope + "'";
        String ins = Arrays.stream(inputs).map(Tensor::describe).collect(Collectors.joining(", "));
        return new ShapeException(op.onnxName + where + ": " + problem + " (inputs: " + ins + ")");
    }

    static void sameDtype(Op op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t.dtype() != ts[0].dtype()) throw fail(op, "element types differ", ts);
        }
    }

    static void floating(Op op, Tensor... ts) {
        for (Tensor t : ts) {
            if (!t.dtype().isFloating()) throw fail(op, "needs float or double inputs", ts);
        }
    }

    static void rank(Op op, Tensor t, int rank, Tensor... all) {
        if (t.rank() != rank) throw fail(op, "expects rank " + rank + " for " + t.describe(), all.length == 0 ? new Tensor[] {t} : all);
    }

    static void dtype(Op op, Tensor t, DType dtype, Tensor... all) {
        if (t.dtype() != dtype) throw fail(op, "expects " + dtype.shortName() + " for " + t.describe(), all.length == 0 ? new Tensor[] {t} : all);
    }

    static int[] normAxes(Op op, int[] axes, int rank, Tensor x) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (a < 0 || a >= rank) throw fail(op, "axis " + axes[i] + " out of range for rank " + rank, x);
            out[i] = a;
        }
        int[] sorted = out.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) throw fail(op, "axis " + sorted[i] + " given twice", x);
        }
        return out;
    }
}
