#!/usr/bin/env python3
"""Reference engines for `rhetor bench analyze --python`: the same fine-tuned encoder, on the
same token windows, in PyTorch (f32) and in ONNX Runtime (f32 and dynamic int8).

Run by the bench (never by tests or CI) from the venv that scripts/bench-python-venv.sh creates.
It is a server on standard input so the bench can interleave its own timed runs with these
ones (the machine's load changes from minute to minute; alternating keeps the ratios fair):

    load:   python bench_reference.py MODEL_DIR WINDOWS.json THREADS WORK_DIR
    then, one command per line on stdin, one JSON answer per line on stdout:
      run ENGINE T      time one pass over every article's windows (ENGINE torch | ort-f32 |
                        ort-int8, T threads) -> {"engine", "threads", "secs"}
      pooled ENGINE OUT write the mean of each window's last hidden states (all its pieces,
                        [CLS] and [SEP] included), f32 little-endian, windows in file order
                        -> {"engine", "rows"}
      quit

WINDOWS.json: {"articles": [[[ids of window 1], [ids of window 2], ...], ...]}, the exact
windows rhetor's tokenizer produces (`[CLS] … [SEP]`, at most 128 pieces). Each article's
windows run as one right-padded batch with an attention mask, as a PyTorch or ONNX Runtime user
would run them (rhetor packs them without padding: that is part of what is compared).

The model: models/techniques/model.safetensors (f16, widened to f32 here exactly as rhetor
widens it) and rhetor-model.json (BERT hyper-parameters), in a small hand-written BERT (no
`transformers` needed: the same maths, erf GELU, post-norm). The ONNX graph is written node by
node with `onnx.helper` from the same arrays (no exporter, which differs between torch
versions), then quantized with `onnxruntime.quantization.quantize_dynamic` (int8 weights per
tensor, uint8 activations per tensor computed at run time: ONNX Runtime's stock recipe).
"""

import json
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from safetensors.numpy import load_file


def load_weights(model_dir):
    cfg = json.load(open(os.path.join(model_dir, "rhetor-model.json")))["encoder"]
    raw = load_file(os.path.join(model_dir, "model.safetensors"))
    w = {k: v.astype(np.float32) for k, v in raw.items()}
    return cfg, w


class Bert(torch.nn.Module):
    """BERT encoder, inference only: embeddings (token type 0), post-norm layers, erf GELU."""

    def __init__(self, cfg, w):
        super().__init__()
        self.h = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.eps = cfg["layer_norm_eps"]
        t = lambda k: torch.from_numpy(w[k])  # noqa: E731
        self.word = t("embeddings.word_embeddings.weight")
        self.pos = t("embeddings.position_embeddings.weight")
        self.tt0 = t("embeddings.token_type_embeddings.weight")[0]
        self.eln = (t("embeddings.LayerNorm.weight"), t("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(cfg["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            lin = lambda n: (t(p + n + ".weight"), t(p + n + ".bias"))  # noqa: E731
            self.layers.append(
                {
                    "q": lin("attention.self.query"),
                    "k": lin("attention.self.key"),
                    "v": lin("attention.self.value"),
                    "o": lin("attention.output.dense"),
                    "ln1": lin("attention.output.LayerNorm"),
                    "i": lin("intermediate.dense"),
                    "f": lin("output.dense"),
                    "ln2": lin("output.LayerNorm"),
                }
            )

    def forward(self, ids, mask):
        F = torch.nn.functional
        b, s = ids.shape
        x = self.word[ids] + self.pos[:s].unsqueeze(0) + self.tt0
        x = F.layer_norm(x, (self.h,), *self.eln, eps=self.eps)
        hd = self.h // self.heads
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for L in self.layers:
            def split(t):
                return t.view(b, s, self.heads, hd).transpose(1, 2)

            q, k, v = (split(F.linear(x, *L[n])) for n in ("q", "k", "v"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
            a = a.transpose(1, 2).reshape(b, s, self.h)
            x = F.layer_norm(F.linear(a, *L["o"]) + x, (self.h,), *L["ln1"], eps=self.eps)
            f = F.linear(F.gelu(F.linear(x, *L["i"])), *L["f"])
            x = F.layer_norm(f + x, (self.h,), *L["ln2"], eps=self.eps)
        return x


def onnx_graph(cfg, w, path):
    """The same encoder as an ONNX graph (opset 17): inputs ids, mask [b, s] int64."""
    h, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    hd, eps = h // nh, cfg["layer_norm_eps"]
    nodes, inits = [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, ins, **attrs):
        out = f"t{len(nodes)}"
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    def ln(x, wk, bk):
        return node("LayerNormalization", [x, init(wk + "_w", w[wk]), init(bk + "_b", w[bk])],
                    axis=-1, epsilon=eps)

    def dense(x, p):
        # MatMul with a constant [in, out] weight: what quantize_dynamic turns into int8.
        y = node("MatMul", [x, init(p + ".wT", w[p + ".weight"].T.copy())])
        return node("Add", [y, init(p + ".b", w[p + ".bias"])])

    zero, one = init("zero", np.array([0], np.int64)), init("one", np.array([1], np.int64))
    seq = node("Gather", [node("Shape", ["ids"]), one], axis=0)  # [s]
    pos = node("Gather", [init("pos", w["embeddings.position_embeddings.weight"]),
                          node("Range", [node("Squeeze", [zero]), node("Squeeze", [seq]),
                                         node("Squeeze", [one])])], axis=0)
    x = node("Gather", [init("word", w["embeddings.word_embeddings.weight"]), "ids"], axis=0)
    x = node("Add", [node("Add", [x, pos]),
                     init("tt0", w["embeddings.token_type_embeddings.weight"][0])])
    x = ln(x, "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias")
    # Additive mask [b, 1, 1, s]: 0 for pieces, a large negative for padding.
    m = node("Cast", ["mask"], to=TensorProto.FLOAT)
    m = node("Mul", [node("Sub", [init("f1", np.array(1.0, np.float32)), m]),
                     init("neg", np.array(-1e9, np.float32))])
    m = node("Unsqueeze", [m, init("ax12", np.array([1, 2], np.int64))])
    heads_shape = init("hs", np.array([0, 0, nh, hd], np.int64))
    flat_shape = init("fs", np.array([0, 0, h], np.int64))
    scale = init("scale", np.array(1.0 / np.sqrt(hd), np.float32))
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def heads(t):
            return node("Transpose", [node("Reshape", [t, heads_shape])], perm=[0, 2, 1, 3])

        q = heads(dense(x, p + "attention.self.query"))
        k = heads(dense(x, p + "attention.self.key"))
        v = heads(dense(x, p + "attention.self.value"))
        kt = node("Transpose", [k], perm=[0, 1, 3, 2])
        sc = node("Add", [node("Mul", [node("MatMul", [q, kt]), scale]), m])
        a = node("MatMul", [node("Softmax", [sc], axis=-1), v])
        a = node("Reshape", [node("Transpose", [a], perm=[0, 2, 1, 3]), flat_shape])
        x = ln(node("Add", [dense(a, p + "attention.output.dense"), x]),
               p + "attention.output.LayerNorm.weight", p + "attention.output.LayerNorm.bias")
        f = dense(x, p + "intermediate.dense")
        # Exact (erf) GELU: 0.5 x (1 + erf(x / sqrt 2)).
        g = node("Mul", [node("Mul", [f, init(f"half{i}", np.array(0.5, np.float32))]),
                         node("Add", [node("Erf", [node("Mul", [f, init(
                             f"rs2{i}", np.array(1 / np.sqrt(2), np.float32))])]),
                             init(f"one{i}", np.array(1.0, np.float32))])])
        x = ln(node("Add", [dense(g, p + "output.dense"), x]),
               p + "output.LayerNorm.weight", p + "output.LayerNorm.bias")
    nodes.append(helper.make_node("Identity", [x], ["states"]))
    graph = helper.make_graph(
        nodes, "rhetor-encoder",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["b", "s"]),
         helper.make_tensor_value_info("mask", TensorProto.INT64, ["b", "s"])],
        [helper.make_tensor_value_info("states", TensorProto.FLOAT, ["b", "s", h])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def batches(articles):
    """Each article's windows as one right-padded batch: (ids, mask) int64 [n, longest]."""
    out = []
    for wins in articles:
        if not wins:
            continue
        s = max(len(x) for x in wins)
        ids = np.zeros((len(wins), s), np.int64)
        mask = np.zeros((len(wins), s), np.int64)
        for r, x in enumerate(wins):
            ids[r, : len(x)] = x
            mask[r, : len(x)] = 1
        out.append((ids, mask))
    return out


def main():
    model_dir, windows_path, threads, work = sys.argv[1:5]
    threads = [int(t) for t in threads.split(",")]
    t0 = time.time()
    cfg, w = load_weights(model_dir)
    data = batches(json.load(open(windows_path))["articles"])
    torch.set_grad_enabled(False)
    bert = Bert(cfg, w).eval()
    f32_path = os.path.join(work, "encoder-f32.onnx")
    int8_path = os.path.join(work, "encoder-int8.onnx")
    onnx_graph(cfg, w, f32_path)
    quantize_dynamic(f32_path, int8_path, weight_type=QuantType.QInt8)
    sessions = {}
    for t in threads:
        for name, path in (("ort-f32", f32_path), ("ort-int8", int8_path)):
            so = ort.SessionOptions()
            so.intra_op_num_threads = t
            so.inter_op_num_threads = 1
            so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            sessions[(name, t)] = ort.InferenceSession(
                path, so, providers=["CPUExecutionProvider"])

    def run(engine, t):
        outs = []
        if engine == "torch":
            torch.set_num_threads(t)
            with torch.inference_mode():
                for ids, mask in data:
                    outs.append((bert(torch.from_numpy(ids), torch.from_numpy(mask)).numpy(), mask))
        else:
            sess = sessions[(engine, t)]
            for ids, mask in data:
                outs.append((sess.run(["states"], {"ids": ids, "mask": mask})[0], mask))
        return outs

    for t in threads:  # warm-up: first calls allocate and pick kernels
        for e in ("torch", "ort-f32", "ort-int8"):
            run(e, t)
    print(json.dumps({"ready": True, "load_s": time.time() - t0,
                      "torch": torch.__version__, "onnxruntime": ort.__version__,
                      "torch_cpu": torch.backends.cpu.get_cpu_capability()}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        if cmd[0] == "run":
            engine, t = cmd[1], int(cmd[2])
            s = time.perf_counter()
            run(engine, t)
            print(json.dumps({"engine": engine, "threads": t,
                              "secs": time.perf_counter() - s}), flush=True)
        elif cmd[0] == "pooled":
            engine, out = cmd[1], cmd[2]
            rows = []
            for states, mask in run(engine, threads[0]):
                m = mask[..., None].astype(np.float32)
                rows.append((states * m).sum(1) / m.sum(1))
            pooled = np.concatenate(rows).astype("<f4")
            pooled.tofile(out)
            print(json.dumps({"engine": engine, "rows": int(pooled.shape[0])}), flush=True)
        else:
            print(json.dumps({"error": f"unknown command {cmd[0]}"}), flush=True)


if __name__ == "__main__":
    main()
