"""Exports a sentence-transformers model directory (BERT, MPNet, ...) to ONNX for the ONNX
Runtime peers. Models whose forward takes no token_type_ids (MPNet, RoBERTa-style DistilBERT)
are exported without that input; the peer feeds only the inputs a graph has.

  python bench/peers/export_onnx.py MODEL_DIR OUT_DIR

Writes OUT_DIR/model.onnx (fp32: the transformer's last_hidden_state, dynamic batch and
sequence axes; pooling stays in the peer, as in sentence-transformers' ONNX backend) and
OUT_DIR/model_qint8_avx512_vnni.onnx: dynamic quantization with the settings of
sentence-transformers' export_dynamic_quantized_onnx_model(model, "avx512_vnni", ...), i.e.
optimum's AutoQuantizationConfig.avx512_vnni(is_static=False): QOperator / IntegerOps, u8
asymmetric activations, s8 symmetric per-channel weights, full range, every IntegerOps operator.
Both done with torch.onnx + onnxruntime.quantization directly, since optimum-onnx does not
install beside transformers 5. Also OUT_DIR/model_O2.onnx: fp32 with ONNX Runtime's
transformer fusions, as sentence-transformers' export_optimized_onnx_model(model, "O2"). Checks the fp32 export against PyTorch before writing it.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModel  # noqa: E402

ALL_NAMES = ["input_ids", "attention_mask", "token_type_ids"]


class LastHidden(torch.nn.Module):
    def __init__(self, model, with_types):
        super().__init__()
        self.model = model
        self.with_types = with_types

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        kw = {"token_type_ids": token_type_ids} if self.with_types else {}
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          **kw).last_hidden_state


def export(model_dir: str, out_dir: str) -> None:
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    os.makedirs(out_dir, exist_ok=True)
    fp32 = os.path.join(out_dir, "model.onnx")
    int8 = os.path.join(out_dir, "model_qint8_avx512_vnni.onnx")
    o2 = os.path.join(out_dir, "model_O2.onnx")
    # Eager attention exports to the plain MatMul/Softmax pattern ONNX Runtime's attention
    # fusion recognises (as optimum's exporter produces for BERT).
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    import inspect
    with_types = "token_type_ids" in inspect.signature(model.forward).parameters
    names = ALL_NAMES if with_types else ALL_NAMES[:2]
    wrapped = LastHidden(model, with_types).eval()
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 2000, (3, 24), generator=gen)
    mask = torch.ones_like(ids)
    mask[1, 12:] = 0
    types = torch.zeros_like(ids)
    tmp = fp32 + ".partial"
    torch.onnx.export(wrapped, (ids, mask, types)[:len(names)], tmp, input_names=names,
                      output_names=["last_hidden_state"],
                      dynamic_axes={n: {0: "batch", 1: "sequence"}
                                    for n in names + ["last_hidden_state"]},
                      opset_version=17, dynamo=False)
    wrapped.eval()  # torch.onnx.export restores the wrapper's (training) mode recursively

    # Check on other shapes than the traced one.
    ids2 = torch.randint(1000, 2000, (2, 37), generator=gen)
    mask2 = torch.ones_like(ids2)
    mask2[0, 20:] = 0
    with torch.inference_mode():
        ref = wrapped(ids2, mask2, torch.zeros_like(ids2)).numpy()
    sess = ort.InferenceSession(tmp, providers=["CPUExecutionProvider"])
    feed = {"input_ids": ids2.numpy(), "attention_mask": mask2.numpy(),
            "token_type_ids": np.zeros_like(ids2.numpy())}
    got = sess.run(None, {n: feed[n] for n in names})[0]
    err = float(np.abs(np.where(mask2.numpy()[:, :, None] > 0, got - ref, 0)).max())
    if err > 1e-3:
        raise SystemExit(f"export_onnx: ONNX export differs from PyTorch by {err}")
    os.replace(tmp, fp32)

    # sentence-transformers' export_optimized_onnx_model(model, "O2"): optimum's level O2 is
    # ONNX Runtime's transformer fusions (attention, skip+LayerNorm, bias+GELU), exact GELU,
    # no EmbedLayerNormalization fusion.
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    fusion = FusionOptions("bert")
    fusion.enable_embed_layer_norm = False
    optimized = optimize_model(fp32, model_type="bert", num_heads=model.config.num_attention_heads,
                               hidden_size=model.config.hidden_size, optimization_options=fusion,
                               opt_level=1)
    optimized.save_model_to_file(o2 + ".partial")
    os.replace(o2 + ".partial", o2)

    quantize_dynamic(fp32, int8 + ".partial", per_channel=True, reduce_range=False,
                     weight_type=QuantType.QInt8,
                     extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
    os.replace(int8 + ".partial", int8)
    print(f"export_onnx: {fp32} (max |diff| vs torch {err:.2e}), {o2}, {int8}")


if __name__ == "__main__":
    export(sys.argv[1], sys.argv[2])
