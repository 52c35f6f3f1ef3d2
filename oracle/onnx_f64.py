"""Runs an mcl ONNX graph (exported in float32) in float64, to tell a wrong computation from
amplified float32 rounding.

The installed onnx (Debian, 1.12) has no onnx.reference evaluator, and ONNX Runtime's CPU provider
has no float64 Conv, so this is a small interpreter for exactly the op set the builder emits
(graph-builder/src/main/java/mcl/graph/Op.java), keyed by op_type, each op written from the ONNX
operator specification (opset 17) on float64 torch tensors. Float32 is promoted at load time:
every FLOAT initializer and feed becomes DOUBLE and Cast(to=FLOAT) casts to DOUBLE (the graphs have
no Constant nodes and no float attributes that enter arithmetic).

Scalar constants. The builder computes its scalar constants in double (1/count of a mean's
gradient, BN's epsilon 1e-5, the 1e-12 of L2 normalisation, loss weights) and rounds them to
float32 when it exports. Promoting 1.2e-8-relative-off constants would perturb a float64 run by far
more than float64 rounding, so restore_constant() maps a float32 scalar back to the double it
rounds from when that is unambiguous: the shortest decimal that rounds to it has at most 4
significant digits (1e-05, 0.0625), or it is the float32 of 1/n for an integer n (1/22528). Every
restored value is reported by run_f64(..., report=...).

Usage: onnx_f64.py selfcheck   -- every op against an independent numpy implementation from the spec.
       run_f64(model_path, feeds) -> {output name: float64/int64 numpy array}
"""
import math
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

DOUBLE = torch.float64


def restore_constant(c):
    """The double a float32 scalar constant was rounded from, or c itself where that is ambiguous."""
    c32 = np.float32(c)
    if not np.isfinite(c32) or c32 == 0:
        return float(c32)
    short = np.format_float_positional(c32, unique=True, trim="-") if abs(c32) >= 1e-4 else \
        np.format_float_scientific(c32, unique=True, trim="-")
    mant = short.split("e")[0].replace("-", "").replace(".", "").lstrip("0").rstrip("0")
    if len(mant) <= 4:
        return float(short)
    n = round(1.0 / float(c32))
    if n != 0 and abs(n) < 2 ** 31 and np.float32(1.0 / n) == c32:
        return 1.0 / n
    return float(c32)


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def _ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


# ---- ops: each f(inputs: list of torch tensors or None, attrs: dict) -> list of outputs --------

def _binary(fn):
    return lambda x, a: [fn(x[0], x[1])]


def _conv(x, a):
    inp, w = x[0], x[1]
    b = x[2] if len(x) > 2 else None
    if _s(a.get("auto_pad", "NOTSET")) != "NOTSET":
        raise NotImplementedError("auto_pad")
    k = a.get("kernel_shape", list(w.shape[2:]))
    assert list(k) == list(w.shape[2:]), (k, w.shape)
    pads = a.get("pads", [0, 0, 0, 0])
    strides = a.get("strides", [1, 1])
    dil = a.get("dilations", [1, 1])
    inp = F.pad(inp, (pads[1], pads[3], pads[0], pads[2]))  # ONNX: [h_begin, w_begin, h_end, w_end]
    return [F.conv2d(inp, w, b, stride=tuple(strides), dilation=tuple(dil), groups=a.get("group", 1))]


def _conv_transpose(x, a):
    inp, w = x[0], x[1]
    b = x[2] if len(x) > 2 else None
    if _s(a.get("auto_pad", "NOTSET")) != "NOTSET" or "output_shape" in a:
        raise NotImplementedError("auto_pad / output_shape")
    assert list(a.get("kernel_shape", w.shape[2:])) == list(w.shape[2:])
    pads = a.get("pads", [0, 0, 0, 0])
    strides = a.get("strides", [1, 1])
    dil = a.get("dilations", [1, 1])
    opad = a.get("output_padding", [0, 0])
    # Full transposed conv (no padding), then crop pads at the begin and end of each axis; the
    # output_padding rows extend the end (ONNX: out = s*(in-1) + opad + (k-1)*d + 1 - pb - pe).
    y = F.conv_transpose2d(inp, w, None, stride=tuple(strides), dilation=tuple(dil), groups=a.get("group", 1))
    oh = strides[0] * (inp.shape[2] - 1) + opad[0] + (w.shape[2] - 1) * dil[0] + 1 - pads[0] - pads[2]
    ow = strides[1] * (inp.shape[3] - 1) + opad[1] + (w.shape[3] - 1) * dil[1] + 1 - pads[1] - pads[3]
    need_h, need_w = pads[0] + oh, pads[1] + ow
    if need_h > y.shape[2] or need_w > y.shape[3]:  # output_padding reaches past the full output: zeros
        y = F.pad(y, (0, max(0, need_w - y.shape[3]), 0, max(0, need_h - y.shape[2])))
    y = y[:, :, pads[0]:pads[0] + oh, pads[1]:pads[1] + ow]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return [y.contiguous()]


def _max_pool(x, a):
    inp = x[0]
    if _s(a.get("auto_pad", "NOTSET")) != "NOTSET" or a.get("ceil_mode", 0) or a.get("storage_order", 0):
        raise NotImplementedError("MaxPool auto_pad / ceil_mode / storage_order")
    k = a["kernel_shape"]
    pads = a.get("pads", [0, 0, 0, 0])
    strides = a.get("strides", [1, 1])
    dil = a.get("dilations", [1, 1])
    n, c, h, w = inp.shape
    xp = F.pad(inp, (pads[1], pads[3], pads[0], pads[2]), value=-math.inf)
    vals, idx = F.max_pool2d(xp, tuple(k), tuple(strides), 0, tuple(dil), return_indices=True)
    # idx is flat in the padded plane; ONNX Indices are flat over the unpadded [N, C, H, W].
    wp = xp.shape[3]
    hh, ww = idx // wp - pads[0], idx % wp - pads[1]
    plane = torch.arange(n * c, dtype=torch.int64).reshape(n, c, 1, 1) * (h * w)
    return [vals, plane + hh * w + ww]


def _average_pool(x, a):
    if _s(a.get("auto_pad", "NOTSET")) != "NOTSET" or a.get("ceil_mode", 0):
        raise NotImplementedError("AveragePool auto_pad / ceil_mode")
    pads = a.get("pads", [0, 0, 0, 0])
    if any(pads) and not a.get("count_include_pad", 0):
        raise NotImplementedError("AveragePool with pads excluded from the count")
    inp = F.pad(x[0], (pads[1], pads[3], pads[0], pads[2]))
    return [F.avg_pool2d(inp, tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])))]


def _resize(x, a):
    inp = x[0]
    mode = _s(a.get("mode", "nearest"))
    ctm = _s(a.get("coordinate_transformation_mode", "half_pixel"))
    nm = _s(a.get("nearest_mode", "round_prefer_floor"))
    if mode != "nearest" or ctm != "asymmetric" or nm != "floor":
        raise NotImplementedError(f"Resize {mode}/{ctm}/{nm}")
    scales = x[2] if len(x) > 2 and x[2] is not None and x[2].numel() else None
    sizes = x[3] if len(x) > 3 and x[3] is not None else None
    out = inp
    for ax in range(inp.dim()):
        if scales is not None:
            s = float(scales[ax])
            o = int(math.floor(inp.shape[ax] * s))
        else:
            o = int(sizes[ax])
            s = o / inp.shape[ax]
        if o == inp.shape[ax] and s == 1.0:
            continue
        # asymmetric: x_in = x_out / scale; floor.
        src = torch.floor(torch.arange(o, dtype=DOUBLE) / s).to(torch.int64).clamp(0, inp.shape[ax] - 1)
        out = out.index_select(ax, src)
    return [out]


def _slice(x, a):
    data = x[0]
    starts, ends = _ints(x[1]), _ints(x[2])
    axes = _ints(x[3]) if len(x) > 3 and x[3] is not None else list(range(len(starts)))
    steps = _ints(x[4]) if len(x) > 4 and x[4] is not None else [1] * len(starts)
    out = data
    for s, e, ax, st in zip(starts, ends, axes, steps):
        ax = ax % data.dim()
        d = data.shape[ax]
        s = s + d if s < 0 else s
        e = e + d if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), d), min(max(e, 0), d)
        else:
            s, e = min(max(s, 0), d - 1), min(max(e, -1), d - 1)
        if st > 0:  # a view
            out = out[(slice(None),) * ax + (slice(s, max(s, e), st),)]
        else:
            out = out.index_select(ax, torch.arange(s, e, st, dtype=torch.int64))
    return [out]


def _reshape(x, a):
    data, shape = x[0], _ints(x[1])
    if not a.get("allowzero", 0):
        shape = [data.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return [data.reshape(shape)]


def _reduce(fn):
    def op(x, a):
        data = x[0]
        axes = a.get("axes")
        if axes is None and len(x) > 1 and x[1] is not None:
            axes = _ints(x[1])
        if not axes:
            if a.get("noop_with_empty_axes", 0):
                return [data]
            axes = list(range(data.dim()))
        return [fn(data, dim=tuple(ax % data.dim() for ax in axes), keepdim=bool(a.get("keepdims", 1)))]
    return op


def _gemm(x, a):
    A, B = x[0], x[1]
    if a.get("transA", 0):
        A = A.t()
    if a.get("transB", 0):
        B = B.t()
    y = a.get("alpha", 1.0) * (A @ B)
    if len(x) > 2 and x[2] is not None:
        y = y + a.get("beta", 1.0) * x[2]
    return [y]


def _expand(x, a):
    shape = _ints(x[1])
    out = torch.broadcast_shapes(tuple(x[0].shape), tuple(shape))
    return [x[0].expand(out).clone()]


def _pad(x, a):
    if _s(a.get("mode", "constant")) != "constant":
        raise NotImplementedError("Pad mode")
    pads = _ints(x[1])
    value = float(x[2]) if len(x) > 2 and x[2] is not None and x[2].numel() else 0.0
    r = x[0].dim()
    tp = []
    for ax in reversed(range(r)):
        tp += [pads[ax], pads[ax + r]]
    return [F.pad(x[0], tuple(tp), value=value)]


def _gather_elements(x, a):
    ax = a.get("axis", 0) % x[0].dim()
    idx = x[1].to(torch.int64)
    idx = torch.where(idx < 0, idx + x[0].shape[ax], idx)
    return [torch.gather(x[0], ax, idx)]


def _scatter_elements(x, a):
    ax = a.get("axis", 0) % x[0].dim()
    idx = x[1].to(torch.int64)
    idx = torch.where(idx < 0, idx + x[0].shape[ax], idx)
    red = _s(a.get("reduction", "none"))
    if red == "add":
        return [x[0].clone().scatter_add_(ax, idx, x[2])]
    if red == "none":
        return [x[0].clone().scatter_(ax, idx, x[2])]
    raise NotImplementedError("ScatterElements reduction " + red)


def _cast(x, a):
    to = a["to"]
    if to in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
        return [x[0].to(DOUBLE)]
    if to == onnx.TensorProto.INT64:
        return [x[0].to(torch.int64)]
    if to == onnx.TensorProto.BOOL:
        return [x[0].to(torch.bool)]
    raise NotImplementedError(f"Cast to {to}")


def _batch_norm(x, a):
    if a.get("training_mode", 0):
        raise NotImplementedError("BatchNormalization training_mode")
    inp, scale, bias, mean, var = x[:5]
    shp = [1, -1] + [1] * (inp.dim() - 2)
    eps = restore_constant(a.get("epsilon", 1e-5))
    return [(inp - mean.reshape(shp)) / torch.sqrt(var.reshape(shp) + eps) * scale.reshape(shp) + bias.reshape(shp)]


def _max(x, a):
    y = x[0]
    for t in x[1:]:
        y = torch.maximum(y, t)
    return [y]


OPS = {
    "Add": _binary(torch.add), "Sub": _binary(torch.sub), "Mul": _binary(torch.mul), "Div": _binary(torch.div),
    "Neg": lambda x, a: [-x[0]], "Relu": lambda x, a: [torch.relu(x[0])], "Sqrt": lambda x, a: [torch.sqrt(x[0])],
    "Reciprocal": lambda x, a: [1.0 / x[0]], "Exp": lambda x, a: [torch.exp(x[0])], "Log": lambda x, a: [torch.log(x[0])],
    "Max": _max, "Where": lambda x, a: [torch.where(x[0], x[1], x[2])],
    "Greater": _binary(torch.gt), "Equal": _binary(torch.eq), "Cast": _cast, "Identity": lambda x, a: [x[0]],
    "ReduceMean": _reduce(torch.mean), "ReduceSum": _reduce(torch.sum), "ReduceSumSquare": _reduce(lambda t, dim, keepdim: torch.sum(t * t, dim=dim, keepdim=keepdim)), "ReduceMax": _reduce(torch.amax),
    "MatMul": _binary(torch.matmul), "Gemm": _gemm,
    "Reshape": _reshape, "Transpose": lambda x, a: [x[0].permute(a.get("perm", list(reversed(range(x[0].dim())))))],
    "Slice": _slice, "Concat": lambda x, a: [torch.cat(x, a["axis"] % x[0].dim())], "Expand": _expand,
    "Pad": _pad, "GatherElements": _gather_elements, "ScatterElements": _scatter_elements, "Resize": _resize,
    "Conv": _conv, "ConvTranspose": _conv_transpose, "MaxPool": _max_pool, "AveragePool": _average_pool,
    "GlobalAveragePool": lambda x, a: [x[0].mean(dim=tuple(range(2, x[0].dim())), keepdim=True)],
    "BatchNormalization": _batch_norm,
    "Softmax": lambda x, a: [torch.softmax(x[0], a.get("axis", -1))],
    "LogSoftmax": lambda x, a: [torch.log_softmax(x[0], a.get("axis", -1))],
}


def _to_torch(v):
    v = np.asarray(v)
    if v.dtype in (np.float32, np.float64, np.float16):
        return torch.from_numpy(v.astype(np.float64))
    if v.dtype == np.bool_:
        return torch.from_numpy(v.copy())
    return torch.from_numpy(v.astype(np.int64))


def run_f64(model, feeds, restore=True, report=None, outputs=None):
    """Executes model (path or ModelProto) in float64 on feeds {name: numpy array} (float feeds are
    promoted). Returns {output name: numpy array}. report, if a dict, receives 'restored' (float32
    constant -> double used) and 'nodes' (count)."""
    if isinstance(model, str):
        model = onnx.load(model)
    g = model.graph
    env = {}
    restored = {}
    for t in g.initializer:
        arr = numpy_helper.to_array(t)
        if arr.dtype == np.float32 and arr.size == 1 and restore:
            c = restore_constant(float(arr.reshape(())))
            if c != float(arr.reshape(())):
                restored[float(arr.reshape(()))] = c
            arr = np.full(arr.shape, c, dtype=np.float64)
        env[t.name] = _to_torch(arr)
    missing = [i.name for i in g.input if i.name not in env and i.name not in feeds]
    if missing:
        raise KeyError(f"missing feeds: {missing[:8]}")
    for i in g.input:
        if i.name in feeds:
            env[i.name] = _to_torch(feeds[i.name])
    wanted = outputs or [o.name for o in g.output]
    # Free each value after its last reader.
    last = {}
    for k, n in enumerate(g.node):
        for name in n.input:
            last[name] = k
    keep = set(wanted)
    with torch.no_grad():
        for k, n in enumerate(g.node):
            fn = OPS.get(n.op_type)
            if fn is None or (n.domain not in ("", "ai.onnx")):
                raise NotImplementedError(f"op {n.domain}:{n.op_type} ({n.name})")
            args = [env[name] if name else None for name in n.input]
            while args and args[-1] is None:
                args.pop()
            try:
                res = fn(args, _attrs(n))
            except Exception as e:  # name the node
                raise RuntimeError(f"node {n.name} ({n.op_type}): {e}") from e
            for name, v in zip(n.output, res):
                if name:
                    env[name] = v
            for name in n.input:
                if name and last.get(name) == k and name not in keep:
                    env.pop(name, None)
    if report is not None:
        report["restored"] = restored
        report["nodes"] = len(g.node)
    return {name: env[name].numpy() for name in wanted}


# ---- self-check: every op against a numpy implementation written from the spec ----------------

def _np_conv(x, w, b, pads, strides, dil, group):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]))
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + wd] = x
    ho = (xp.shape[2] - dil[0] * (kh - 1) - 1) // strides[0] + 1
    wo = (xp.shape[3] - dil[1] * (kw - 1) - 1) // strides[1] + 1
    y = np.zeros((n, o, ho, wo))
    og = o // group
    for oc in range(o):
        gi = oc // og
        for i in range(ho):
            for j in range(wo):
                acc = np.zeros(n)
                for ci in range(cg):
                    for p in range(kh):
                        for q in range(kw):
                            acc += xp[:, gi * cg + ci, i * strides[0] + p * dil[0], j * strides[1] + q * dil[1]] * w[oc, ci, p, q]
                y[:, oc, i, j] = acc + (b[oc] if b is not None else 0)
    return y


def _np_conv_transpose(x, w, pads, strides, opad):
    """Spec: out = s*(in-1) + opad + k - pb - pe; y[o_full] += x[i] * w[c, oc, p, q] at i*s + p."""
    n, c, h, wd = x.shape
    _, oc, kh, kw = w.shape
    fh = strides[0] * (h - 1) + kh + opad[0]
    fw = strides[1] * (wd - 1) + kw + opad[1]
    full = np.zeros((n, oc, fh, fw))
    for i in range(h):
        for j in range(wd):
            for p in range(kh):
                for q in range(kw):
                    full[:, :, i * strides[0] + p, j * strides[1] + q] += np.einsum("nc,co->no", x[:, :, i, j], w[:, :, p, q])
    oh = strides[0] * (h - 1) + opad[0] + kh - pads[0] - pads[2]
    ow = strides[1] * (wd - 1) + opad[1] + kw - pads[1] - pads[3]
    return full[:, :, pads[0]:pads[0] + oh, pads[1]:pads[1] + ow]


def _np_max_pool(x, k, pads, strides):
    n, c, h, w = x.shape
    ho = (h + pads[0] + pads[2] - k[0]) // strides[0] + 1
    wo = (w + pads[1] + pads[3] - k[1]) // strides[1] + 1
    y = np.zeros((n, c, ho, wo))
    ind = np.zeros((n, c, ho, wo), dtype=np.int64)
    for a in range(n):
        for b in range(c):
            for i in range(ho):
                for j in range(wo):
                    best, bi = -np.inf, -1
                    for p in range(k[0]):
                        for q in range(k[1]):
                            r, s = i * strides[0] + p - pads[0], j * strides[1] + q - pads[1]
                            if 0 <= r < h and 0 <= s < w and x[a, b, r, s] > best:
                                best, bi = x[a, b, r, s], ((a * c + b) * h + r) * w + s
                    y[a, b, i, j], ind[a, b, i, j] = best, bi
    return y, ind


def _run_node(op, inputs, attrs, n_out=1):
    """Runs one node through run_f64, via a real single-node ModelProto (names, empty inputs, attrs)."""
    names, feeds, inits = [], {}, []
    for i, v in enumerate(inputs):
        if v is None:
            names.append("")
        elif isinstance(v, tuple):  # ("init", array): an initializer
            names.append(f"c{i}")
            inits.append(numpy_helper.from_array(np.asarray(v[1]), f"c{i}"))
        else:
            names.append(f"x{i}")
            feeds[f"x{i}"] = v
    outs = [f"y{i}" for i in range(n_out)]
    node = helper.make_node(op, names, outs, **attrs)
    graph = helper.make_graph([node], "t", [helper.make_tensor_value_info(k, onnx.TensorProto.DOUBLE, None) for k in feeds],
                              [helper.make_tensor_value_info(o, onnx.TensorProto.DOUBLE, None) for o in outs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    res = run_f64(model, feeds, restore=False)
    return [res[o] for o in outs]


def selfcheck():
    rng = np.random.default_rng(0)
    r = lambda *s: rng.standard_normal(s)  # noqa: E731
    results = []

    def check(name, got, want, exact=False):
        got, want = np.asarray(got), np.asarray(want)
        ok = got.shape == want.shape and (np.array_equal(got, want) if exact else np.allclose(got, want, rtol=1e-12, atol=1e-12))
        err = float(np.abs(got.astype(np.float64) - want.astype(np.float64)).max()) if got.shape == want.shape else float("inf")
        results.append((name, ok, err))

    for (cin, cout, k, s, p, d, grp, hw) in [(3, 4, 3, 1, 1, 1, 1, 7), (4, 6, 3, 2, 1, 1, 2, 8), (3, 5, 7, 2, 3, 1, 1, 11),
                                             (2, 3, 1, 2, 0, 1, 1, 6), (3, 9, 2, 1, 0, 1, 3, 5), (2, 2, 3, 1, 2, 2, 1, 9)]:
        x, w, b = r(2, cin, hw, hw + 1), r(cout, cin // grp, k, k), r(cout)
        at = dict(kernel_shape=[k, k], pads=[p, p, p, p], strides=[s, s], dilations=[d, d], group=grp)
        check(f"Conv k{k} s{s} p{p} d{d} g{grp}", _run_node("Conv", [x, w, b], at)[0], _np_conv(x, w, b, [p] * 4, [s, s], [d, d], grp))
        check(f"Conv k{k} s{s} p{p} d{d} g{grp} nobias", _run_node("Conv", [x, w], at)[0], _np_conv(x, w, None, [p] * 4, [s, s], [d, d], grp))
    x, w = r(1, 2, 6, 6), r(3, 2, 3, 3)
    check("Conv asym pads", _run_node("Conv", [x, w], dict(kernel_shape=[3, 3], pads=[0, 1, 2, 1], strides=[1, 1]))[0],
          _np_conv(x, w, None, [0, 1, 2, 1], [1, 1], [1, 1], 1))
    for (c, o, k, s, p, op, hw) in [(4, 3, 3, 2, 1, 1, 4), (4, 3, 3, 2, 1, 0, 5), (3, 2, 1, 2, 0, 1, 4), (2, 5, 7, 2, 3, 1, 6), (3, 3, 2, 2, 0, 0, 3)]:
        x, w = r(2, c, hw, hw), r(c, o, k, k)
        at = dict(kernel_shape=[k, k], pads=[p] * 4, strides=[s, s])
        if op:
            at["output_padding"] = [op, op]
        check(f"ConvTranspose k{k} s{s} p{p} op{op}", _run_node("ConvTranspose", [x, w], at)[0], _np_conv_transpose(x, w, [p] * 4, [s, s], [op, op]))
    for (k, s, p, hw) in [(3, 2, 1, 8), (3, 2, 1, 7), (2, 2, 0, 6), (3, 1, 1, 5)]:
        x = r(2, 3, hw, hw + 1)
        y, ind = _run_node("MaxPool", [x], dict(kernel_shape=[k, k], pads=[p] * 4, strides=[s, s]), 2)
        wy, wind = _np_max_pool(x, [k, k], [p] * 4, [s, s])
        check(f"MaxPool k{k} s{s} p{p} values", y, wy, exact=True)
        check(f"MaxPool k{k} s{s} p{p} indices", ind, wind, exact=True)
    x = r(2, 3, 6, 8)
    want = x.reshape(2, 3, 3, 2, 4, 2).mean(axis=(3, 5))
    check("AveragePool k2 s2", _run_node("AveragePool", [x], dict(kernel_shape=[2, 2], strides=[2, 2]))[0], want)
    want = np.stack([np.stack([x[:, :, i:i + 3, j:j + 3].mean(axis=(2, 3)) for j in range(6)], -1) for i in range(4)], -2)
    check("AveragePool k3 s1", _run_node("AveragePool", [x], dict(kernel_shape=[3, 3], strides=[1, 1]))[0], want)
    check("GlobalAveragePool", _run_node("GlobalAveragePool", [x], {})[0], x.mean(axis=(2, 3), keepdims=True))
    # Resize nearest/asymmetric/floor: out[i] = in[floor(i / scale)].
    x = r(2, 3, 3, 4)
    rz = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    want = x[:, :, [i // 2 for i in range(6)]][:, :, :, [j // 2 for j in range(8)]]
    check("Resize x2 scales", _run_node("Resize", [x, None, ("c", np.array([1, 1, 2, 2], np.float32))], rz)[0], want, exact=True)
    want = x[:, :, [int(np.floor(i / (7 / 3))) for i in range(7)]]
    check("Resize sizes", _run_node("Resize", [x, None, None, ("c", np.array([2, 3, 7, 4], np.int64))], rz)[0], want, exact=True)
    # Slice, with the flip form the builder uses (step -1 from -1 to INT64_MIN).
    x = r(3, 4, 5, 6)
    sl = lambda st, en, ax, step: _run_node("Slice", [x, ("", np.array(st)), ("", np.array(en)), ("", np.array(ax)), ("", np.array(step))], {})[0]  # noqa: E731
    check("Slice flip", sl([-1, -1], [-2 ** 63, -2 ** 63], [2, 3], [-1, -1]), x[:, :, ::-1, ::-1], exact=True)
    check("Slice strided", sl([1, 0], [5, 6], [2, 3], [2, 3]), x[:, :, 1:5:2, 0:6:3], exact=True)
    check("Slice clamp/neg", sl([-3, 1], [1000, -1], [1, -1], [1, 1]), x[:, -3:, :, 1:-1], exact=True)
    check("Slice neg step mid", sl([3], [0], [3], [-2]), x[:, :, :, 3:0:-2], exact=True)
    check("Reshape 0/-1", _run_node("Reshape", [x, ("", np.array([0, -1, 6]))], {})[0], x.reshape(3, 20, 6), exact=True)
    check("Transpose", _run_node("Transpose", [x], dict(perm=[1, 0, 3, 2]))[0], x.transpose(1, 0, 3, 2), exact=True)
    check("Concat", _run_node("Concat", [x, x[:, :2]], dict(axis=1))[0], np.concatenate([x, x[:, :2]], 1), exact=True)
    check("Expand", _run_node("Expand", [x[:, :1, :, :1], ("", np.array([1, 4, 1, 6]))], {})[0], np.broadcast_to(x[:, :1, :, :1], x.shape), exact=True)
    check("Expand rank up", _run_node("Expand", [r(5, 1), ("", np.array([2, 1, 4]))], {})[0].shape, np.array((2, 5, 4)), exact=True)
    check("Pad", _run_node("Pad", [x, ("", np.array([0, 0, 1, 2, 0, 0, 3, 0]))], {})[0], np.pad(x, [(0, 0), (0, 0), (1, 3), (2, 0)]), exact=True)
    check("ReduceMean", _run_node("ReduceMean", [x], dict(axes=[0, 2], keepdims=1))[0], x.mean(axis=(0, 2), keepdims=True))
    check("ReduceSum", _run_node("ReduceSum", [x, ("", np.array([1, 3]))], dict(keepdims=0))[0], x.sum(axis=(1, 3)))
    check("ReduceSum all", _run_node("ReduceSum", [x], dict(keepdims=0))[0], x.sum())
    check("ReduceSumSquare", _run_node("ReduceSumSquare", [x], dict(axes=[0, 2, 3], keepdims=0))[0], (x * x).sum(axis=(0, 2, 3)))
    check("ReduceMax", _run_node("ReduceMax", [x], dict(axes=[-1], keepdims=0))[0], x.max(axis=-1), exact=True)
    a, b, c = r(4, 5), r(5, 3), r(3)
    check("Gemm", _run_node("Gemm", [a, b, c], {})[0], a @ b + c)
    check("Gemm tA tB", _run_node("Gemm", [a.T.copy(), b.T.copy()], dict(transA=1, transB=1))[0], a @ b)
    check("Gemm alpha beta", _run_node("Gemm", [a, b, c], dict(alpha=0.5, beta=2.0))[0], 0.5 * (a @ b) + 2 * c)
    check("MatMul batched", _run_node("MatMul", [r(2, 4, 5), r(5, 3)], {})[0].shape, np.array((2, 4, 3)), exact=True)
    a3, b3 = r(2, 4, 5), r(2, 5, 3)
    check("MatMul", _run_node("MatMul", [a3, b3], {})[0], np.matmul(a3, b3))
    data, idx = r(4, 6), rng.integers(0, 6, (4, 3))
    check("GatherElements", _run_node("GatherElements", [data, idx], dict(axis=1))[0], np.take_along_axis(data, idx, 1), exact=True)
    upd = r(4, 3)
    want = data.copy()
    for i in range(4):
        for j in range(3):
            want[i, idx[i, j]] += upd[i, j]
    check("ScatterElements add", _run_node("ScatterElements", [data, idx, upd], dict(axis=1, reduction="add"))[0], want)
    idx0 = rng.integers(0, 4, (7,))
    want = np.zeros(4)
    np.add.at(want, idx0, upd.reshape(-1)[:7])
    check("ScatterElements add axis0", _run_node("ScatterElements", [np.zeros(4), idx0, upd.reshape(-1)[:7]], dict(axis=0, reduction="add"))[0], want)
    p, q = r(3, 4), r(1, 4)
    for op, fn in [("Add", np.add), ("Sub", np.subtract), ("Mul", np.multiply), ("Div", np.divide), ("Max", np.maximum)]:
        check(op, _run_node(op, [p, q], {})[0], fn(p, q))
    check("Greater", _run_node("Greater", [p, q], {})[0], p > q, exact=True)
    check("Equal", _run_node("Equal", [idx, idx[:1]], {})[0], idx == idx[:1], exact=True)
    check("Where", _run_node("Where", [p > 0, p, q], {})[0], np.where(p > 0, p, q), exact=True)
    check("Cast to float", _run_node("Cast", [p > 0], dict(to=onnx.TensorProto.FLOAT))[0], (p > 0).astype(np.float64), exact=True)
    check("Neg", _run_node("Neg", [p], {})[0], -p, exact=True)
    check("Relu", _run_node("Relu", [p], {})[0], np.maximum(p, 0), exact=True)
    check("Sqrt", _run_node("Sqrt", [np.abs(p)], {})[0], np.sqrt(np.abs(p)))
    check("Reciprocal", _run_node("Reciprocal", [p], {})[0], 1 / p)
    check("Exp", _run_node("Exp", [p], {})[0], np.exp(p))
    check("Log", _run_node("Log", [np.abs(p)], {})[0], np.log(np.abs(p)))
    check("Identity", _run_node("Identity", [p], {})[0], p, exact=True)
    sm = np.exp(p - p.max(1, keepdims=True))
    sm /= sm.sum(1, keepdims=True)
    check("Softmax", _run_node("Softmax", [p], dict(axis=1))[0], sm)
    check("LogSoftmax", _run_node("LogSoftmax", [p], dict(axis=1))[0], np.log(sm))
    x4, sc, bi, mu, var = r(2, 3, 4, 4), r(3), r(3), r(3), np.abs(r(3)) + 0.5
    check("BatchNormalization", _run_node("BatchNormalization", [x4, sc, bi, mu, var], dict(epsilon=1e-5))[0],
          (x4 - mu[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5) * sc[:, None, None] + bi[:, None, None])
    # Constant restoration.
    for v, want in [(1e-5, 1e-5), (1e-12, 1e-12), (1 / 22528, 1 / 22528), (1 / 3360, 1 / 3360), (0.0625, 0.0625), (0.2, 0.2), (1 / 7, 1 / 7)]:
        check(f"restore_constant {v:.6g}", restore_constant(float(np.float32(v))), want, exact=True)
    check("restore_constant keeps odd values", restore_constant(float(np.float32(0.123456789))), float(np.float32(0.123456789)), exact=True)
    bad = [(n, e) for n, ok, e in results if not ok]
    for n, ok, e in results:
        print(f"{'ok  ' if ok else 'FAIL'} {n}  max|diff|={e:.3g}")
    covered = {n.split()[0] for n, _, _ in results}
    untested = sorted(set(OPS) - covered)
    print(f"{len(results)} checks, {len(bad)} failed; ops without a check: {untested}")
    return not bad and not untested


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "selfcheck":
        sys.exit(0 if selfcheck() else 1)
    raise SystemExit(__doc__)
