"""Writes the ONNX operator table `mcl validate` checks foreign models against: one line per
default-domain operator, "Name first_opset", from the installed onnx package's schemas
(Debian's onnx 1.12: every operator up to opset 17).

    /usr/bin/python3 oracle/onnx_ops.py > runtime/src/main/resources/mcl/runtime/validate/onnx-ops.txt
"""
import onnx

first = {}
for s in onnx.defs.get_all_schemas_with_history():
    if s.domain == "":
        first[s.name] = min(first.get(s.name, 10**6), s.since_version)
print(f"# ONNX {onnx.__version__}: default-domain operators up to opset {onnx.defs.onnx_opset_version()} (name, opset it first appeared in)")
for name in sorted(first):
    print(name, first[name])
