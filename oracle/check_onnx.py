"""Independent structural check of emitted ONNX models: onnx.checker with full_check and
default-domain ops only. Usage: check_onnx.py MODEL.onnx [...]. Exit 1 on any failure."""
import sys

import onnx

failed = False
for path in sys.argv[1:]:
    m = onnx.load(path)
    try:
        onnx.checker.check_model(m, full_check=True)
    except Exception as e:  # noqa: BLE001 - report every checker failure
        print(f"FAIL {path}: checker: {e}")
        failed = True
        continue
    domains = sorted({n.domain for n in m.graph.node if n.domain not in ("", "ai.onnx")})
    opsets = {o.domain: o.version for o in m.opset_import}
    if domains:
        print(f"FAIL {path}: non-default domains {domains}")
        failed = True
        continue
    print(f"OK {path}: {len(m.graph.node)} nodes, opset {opsets}, ir {m.ir_version}, "
          f"ops {sorted({n.op_type for n in m.graph.node})}")
sys.exit(1 if failed else 0)
