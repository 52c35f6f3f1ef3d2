package mcl.graph;

/**
 * The closed set of ONNX operators (default domain, opset {@link Graph#OPSET}) that the builder
 * emits, and the collective points of data-parallel graphs. Each op is created by one typed method in {@code mcl.graph.ops}, which also holds its
 * shape rule.
 */
public enum Op {
    // elementwise (mcl.graph.ops.Elementwise)
    ADD("Add"), SUB("Sub"), MUL("Mul"), DIV("Div"), NEG("Neg"), RELU("Relu"), SQRT("Sqrt"),
    RECIPROCAL("Reciprocal"), EXP("Exp"), LOG("Log"), MAX("Max"), WHERE("Where"), GREATER("Greater"),
    EQUAL("Equal"), CAST("Cast"), IDENTITY("Identity"),
    // reductions (mcl.graph.ops.Reduce)
    REDUCE_MEAN("ReduceMean"), REDUCE_SUM("ReduceSum"), REDUCE_SUM_SQUARE("ReduceSumSquare"), REDUCE_MAX("ReduceMax"),
    // linear algebra (mcl.graph.ops.Linalg)
    MATMUL("MatMul"), GEMM("Gemm"),
    // data movement (mcl.graph.ops.Movement)
    RESHAPE("Reshape"), TRANSPOSE("Transpose"), SLICE("Slice"), CONCAT("Concat"), EXPAND("Expand"),
    PAD("Pad"), GATHER_ELEMENTS("GatherElements"), SCATTER_ELEMENTS("ScatterElements"), RESIZE("Resize"),
    // convolution and pooling (mcl.graph.ops.ConvPool)
    CONV("Conv"), CONV_TRANSPOSE("ConvTranspose"), MAX_POOL("MaxPool"), AVERAGE_POOL("AveragePool"),
    GLOBAL_AVERAGE_POOL("GlobalAveragePool"),
    // normalisation and softmax (mcl.graph.ops.Norm)
    BATCH_NORM("BatchNormalization"), SOFTMAX("Softmax"), LOG_SOFTMAX("LogSoftmax"),
    // collective points of data-parallel graphs (mcl.graph.ops.Collective): not ONNX Runtime ops;
    // the runtime splits a graph at them and performs them itself
    ALL_REDUCE_SUM("AllReduceSum", "mcl.collective");

    /** The ONNX op_type. */
    public final String onnxName;
    /** The ONNX domain; "" is the default (ai.onnx) domain. */
    public final String domain;

    Op(String onnxName) {
        this(onnxName, "");
    }

    Op(String onnxName, String domain) {
        this.onnxName = onnxName;
        this.domain = domain;
    }
}
