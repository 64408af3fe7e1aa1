#!/usr/bin/env python3
"""Long inputs: one text of T tokens through a ModernBERT-base-shaped model (22 layers, hidden
768, 12 heads, intermediate 1152, global attention every third layer, 128-token local windows,
8,192 positions; random weights), sembed against sentence-transformers + torch in the same run.
Per T: the peak resident memory the forward adds over the loaded model (each engine in a fresh
process, the peak reset just before the forward), the median wall time of REPEATS forwards
after a first one, and the cosine / largest relative difference between the two engines'
embeddings of the text (sentence-transformers' own attention here: torch's default SDPA).

    bench/.venv/bin/python bench/long_inputs.py [--tokens 512,1024,2048,4096,8192] [--repeats 2]
                                                 [--threads 2] [--out bench/results/NAME.md]

The model directory (build/modernbert-base-random, ~600 MB) is made once with transformers'
ModernBertModel and the byte-level BPE tokenizer of tests/tokenizer/bpe/roberta (its vocabulary
is small, so the embedding table is smaller than the real model's 50,368 rows; the encoder is
the same shape). Needs build/bench/long_input_bench (cmake --build build --target
long_input_bench).
"""
import argparse
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "music",
         "plays", "in", "the", "park", "today"]

PEER = r'''
import json, sys, time, torch
from sentence_transformers import SentenceTransformer
model_dir, tokens, repeats, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
st = SentenceTransformer(model_dir, device="cpu")
st.max_seq_length = tokens
words = %r
text = " ".join(words[i %% 16] for i in range(tokens))
assert len(st.tokenize([text])["input_ids"][0]) == tokens
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return float(line.split()[1]) / 1024
before = status("VmRSS")
open("/proc/self/clear_refs", "w").write("5")
seconds = []
with torch.inference_mode():
    for _ in range(1 + repeats):
        t0 = time.perf_counter(); emb = st.encode([text])[0]; seconds.append(time.perf_counter() - t0)
timed = sorted(seconds[1:]) or seconds
print(json.dumps({"tokens": tokens, "rss_loaded_mib": before, "peak_growth_mib": status("VmHWM") - before,
                  "first_s": seconds[0], "median_s": timed[len(timed) // 2], "repeats": repeats,
                  "embedding": [float(x) for x in emb]}))
''' % (WORDS,)


def make_model(out):
    if os.path.exists(os.path.join(out, "modules.json")):
        return
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from tokenizers import Tokenizer
    from transformers import ModernBertConfig, ModernBertModel, PreTrainedTokenizerFast
    tmp = out + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    tok = Tokenizer.from_file(os.path.join(ROOT, "tests/tokenizer/bpe/roberta/tokenizer.json"))
    PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=8192, pad_token="<pad>",
                            unk_token="<unk>", cls_token="<s>", sep_token="</s>",
                            mask_token="<mask>").save_pretrained(tmp)
    config = ModernBertConfig(vocab_size=tok.get_vocab_size(), hidden_size=768,
                              num_hidden_layers=22, num_attention_heads=12, intermediate_size=1152,
                              max_position_embeddings=8192, local_attention=128,
                              global_attn_every_n_layers=3, pad_token_id=1, bos_token_id=0,
                              eos_token_id=2, cls_token_id=0, sep_token_id=2)
    torch.manual_seed(0)
    ModernBertModel(config).eval().save_pretrained(tmp)
    transformer = Transformer(tmp, max_seq_length=8192)
    st = SentenceTransformer(modules=[transformer, Pooling(768, pooling_mode="mean")], device="cpu")
    st.save(out)
    subprocess.run(["rm", "-rf", tmp], check=True)


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", default="512,1024,2048,4096,8192")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "build", "modernbert-base-random"))
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "long_input_bench"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    make_model(args.model_dir)
    rows = []
    for t in [int(x) for x in args.tokens.split(",")]:
        s = run([args.bench, args.model_dir, str(t), str(args.repeats), str(args.threads)])
        p = run([sys.executable, "-c", PEER, args.model_dir, str(t), str(args.repeats),
                 str(args.threads)])
        a, b = s.pop("embedding"), p.pop("embedding")
        dot = sum(x * y for x, y in zip(a, b))
        cos = dot / (sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)
        s["cosine_vs_st"] = cos
        s["max_rel_delta_vs_st"] = max(abs(x - y) for x, y in zip(a, b)) / max(abs(y) for y in b)
        rows.append((t, s, p))
        print(f"T={t}: sembed {s['median_s']:.3f} s, +{s['peak_growth_mib']:.0f} MiB | "
              f"sentence-transformers {p['median_s']:.3f} s, +{p['peak_growth_mib']:.0f} MiB | "
              f"cosine {cos:.9f}, max rel |delta| {s['max_rel_delta_vs_st']:.2e}", flush=True)
    flags = open("/proc/cpuinfo").read()
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")
           if f" {f}" in flags]
    import torch, sentence_transformers
    lines = [f"# Long inputs: ModernBERT-base-shaped, one text of T tokens ({args.threads} threads)",
             "", f"CPU: {cpu_name()}, {os.cpu_count()} cores; ISA flags: {', '.join(isa)}. "
             f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__} "
             f"(its default attention). fp32. Median of {args.repeats} forwards after a first one.",
             f"Command: `bench/.venv/bin/python bench/long_inputs.py {' '.join(sys.argv[1:])}`"
             f" (load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}).", "",
             "| T | sembed s | ST + torch s | × ST | sembed extra MiB | per 1k tokens | ST extra MiB "
             "| cosine vs ST | max rel. abs. diff |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t, s, p in rows:
        lines.append(f"| {t} | {s['median_s']:.3f} | {p['median_s']:.3f} | "
                     f"{p['median_s'] / s['median_s']:.2f} | {s['peak_growth_mib']:.0f} | "
                     f"{s['peak_growth_mib'] / t * 1000:.1f} | {p['peak_growth_mib']:.0f} | "
                     f"{s['cosine_vs_st']:.9f} | {s['max_rel_delta_vs_st']:.2e} |")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(report)
        with open(os.path.splitext(args.out)[0] + ".json", "w") as fh:
            json.dump([{"tokens": t, "sembed": s, "sentence_transformers": p} for t, s, p in rows],
                      fh, indent=1)


if __name__ == "__main__":
    main()
