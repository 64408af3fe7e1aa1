#!/usr/bin/env python3
"""Runs sembed and its peers on the same model, sentences and thread count; prints a table and
writes bench/results/YYYY-MM-DD-LABEL.{json,md}. See bench/README.md.

  python3 bench/run.py              # default run (about 10-15 minutes on 2 cores)
  python3 bench/run.py --quick      # smoke run (2 threads only, few sentences, one round)
  python3 bench/run.py --full       # every STS-B sentence, 5 rounds

Each engine runs in its own process (so peak memory is its own), started once per model and
thread count, and driven over a line protocol (bench/peers/protocol.py). Engines are timed
back to back within each round, in an order that rotates from round to round; every figure is a
median over rounds, and each sembed/peer ratio is the median of the per-round ratios, so a burst
of load from another process hits both sides of a ratio alike.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.join(HERE, "peers")
WORK = os.path.join(HERE, "work")
RESULTS = os.path.join(HERE, "results")
VENV_PY = os.path.join(HERE, ".venv", "bin", "python")
STSB = [os.path.join(ROOT, "tests", "data", "stsbenchmark", f"sts-{s}.csv")
        for s in ("dev", "test")]
SEED_BERT_FILES = os.path.join(ROOT, "tests", "data", "bert-base-nli-mean-tokens")


def reexec_in_venv(python: str | None) -> None:
    """Runs this script under the benchmark's Python (bench/.venv unless --python/$BENCH_PYTHON)."""
    want = python or os.environ.get("BENCH_PYTHON") or VENV_PY
    if not os.path.exists(want):
        sys.exit(f"run.py: {want} not found: run bench/setup.sh first (or pass --python)")
    if os.path.realpath(sys.prefix) == os.path.realpath(os.path.join(os.path.dirname(want), "..")):
        return
    if os.environ.get("BENCH_REEXEC") == "1":
        return  # already re-executed: --python names an interpreter outside a venv
    os.environ["BENCH_REEXEC"] = "1"
    os.execv(want, [want, os.path.abspath(__file__), *sys.argv[1:]])


sys.path.insert(0, PEERS)
import machine  # noqa: E402  (bench/peers/machine.py)


# ----------------------------------------------------------------------------------- peers

class PeerError(RuntimeError):
    pass


class Peer:
    """One engine process speaking bench/peers/protocol.py."""

    def __init__(self, key: str, cmd: list[str], env: dict, log_path: str, nice: int = 0):
        self.key = key
        self.cmd = cmd
        self.log_path = log_path
        self.log = open(log_path, "w")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, env=env, bufsize=1,
                                     encoding="utf-8", preexec_fn=niceness(nice))
        self.ready = self._read()
        self.start_seconds = time.perf_counter() - t0

    def _read(self, timeout: float = 900.0) -> dict:
        # A hung engine must not hang the run: kill it after `timeout`; the EOF reports it.
        watchdog = threading.Timer(timeout, self.proc.kill)
        watchdog.start()
        try:
            return self._read_line()
        finally:
            watchdog.cancel()

    def _read_line(self) -> dict:
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                self.log.flush()
                with open(self.log_path, errors="replace") as f:
                    tail = f.read()[-1500:]
                raise PeerError(f"{self.key} exited ({self.proc.returncode}); log tail:\n{tail}")
            if line.startswith("BENCH "):
                obj = json.loads(line[6:])
                if "error" in obj:
                    raise PeerError(f"{self.key}: {obj['error']}")
                return obj

    def ask(self, command: str) -> dict:
        try:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # _read reports the exit
        return self._read()

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.ask("quit")
                self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def niceness(increment: int):
    """preexec_fn giving a child process a scheduling priority (negative: needs root).

    With autogroup scheduling (Linux' default for desktop kernels and these machines), nice only
    ranks processes inside one autogroup (session); so the child gets a session of its own and
    that autogroup gets the same nice value."""
    if not increment:
        return None

    def apply() -> None:
        os.setsid()
        try:
            with open("/proc/self/autogroup", "w") as f:
                f.write(str(increment))
        except OSError:
            pass
        try:
            os.nice(increment)
        except OSError:
            pass  # not permitted: run at the default priority

    return apply


def peer_env(threads: int) -> dict:
    env = dict(os.environ)
    env.pop("BENCH_REEXEC", None)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS",
                "RAYON_RS_NUM_CPUS"):
        env[var] = str(threads)
    # HF tokenizers batch-encode with a rayon pool; with one thread allowed it must not run.
    env["TOKENIZERS_PARALLELISM"] = "false" if threads == 1 else "true"
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    return env


def peer_command(key: str, model_dir: str, threads: int, ctx: dict) -> list[str]:
    py = sys.executable
    if key in ("sembed", "sembed-bf16", "sembed-int8"):
        dtype = {"sembed": "float32", "sembed-bf16": "bf16", "sembed-int8": "int8"}[key]
        return [ctx["driver"], "--model", model_dir, "--threads", str(threads), "--dtype", dtype]
    if key == "torch":
        return [py, os.path.join(PEERS, "st_torch.py"), model_dir, str(threads)]
    if key == "torch-bf16":
        return [py, os.path.join(PEERS, "st_torch.py"), model_dir, str(threads), "32", "bf16"]
    if key == "sembed-py":
        return [ctx["sembed_python"], os.path.join(PEERS, "sembed_py.py"), model_dir, str(threads)]
    onnx_file = {"ort": "model.onnx", "ort-O2": "model_O2.onnx",
                 "ort-int8": "model_qint8_avx512_vnni.onnx"}[key]
    return [py, os.path.join(PEERS, "ort_peer.py"), model_dir,
            os.path.join(ctx["onnx_dirs"][model_dir], onnx_file), str(threads)]


PEER_LABELS = {
    "sembed": "sembed (fp32)",
    "sembed-bf16": "sembed --dtype bf16",
    "sembed-int8": "sembed --dtype int8",
    "torch-bf16": "sentence-transformers + torch, bf16 autocast",
    "sembed-py": "sembed Python package (fp32)",
    "torch": "sentence-transformers + torch (fp32)",
    "ort": "ONNX Runtime fp32",
    "ort-O2": "ONNX Runtime fp32, O2 fusions",
    "ort-int8": "ONNX Runtime dynamic int8 (avx512_vnni)",
}
FP32_PEERS = ["torch", "ort", "ort-O2"]


# ----------------------------------------------------------------------------- preparation

def sh(cmd: list[str], **kw) -> None:
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def build_sembed(build_dir: str) -> tuple[str, str | None]:
    """Builds the driver (required) and encoder_bench (optional: another engineer's code)."""
    jobs = str(min(2, os.cpu_count() or 1))
    # Configure every time: the bench/ globs must see files added since the last configure.
    sh(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"],
       stdout=subprocess.DEVNULL)
    sh(["cmake", "--build", build_dir, "-j", jobs, "--target", "sembed_peer_bench"])
    driver = os.path.join(build_dir, "bench", "sembed_peer_bench")
    enc = os.path.join(build_dir, "bench", "encoder_bench")
    if not os.path.exists(os.path.join(HERE, "encoder_bench.cpp")):
        return driver, None
    try:
        sh(["cmake", "--build", build_dir, "-j", jobs, "--target", "encoder_bench"])
    except subprocess.CalledProcessError:
        print("run.py: encoder_bench did not build; the matmul figures will be missing",
              flush=True)
        return driver, None
    return driver, enc


def newer(path: str, than: str) -> bool:
    return os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(than)


def weights_file(model_dir: str) -> str:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if os.path.exists(os.path.join(model_dir, name)):
            return os.path.join(model_dir, name)
    sys.exit(f"run.py: no weights in {model_dir}")


def ensure_onnx(model_dir: str, name: str) -> str:
    out = os.path.join(WORK, "onnx", name)
    w = weights_file(model_dir)
    if not all(newer(os.path.join(out, f), w) for f in
               ("model.onnx", "model_O2.onnx", "model_qint8_avx512_vnni.onnx")):
        sh([sys.executable, os.path.join(PEERS, "export_onnx.py"), model_dir, out],
           env=peer_env(os.cpu_count() or 1))
    return out


def ensure_random_bert(seed: int = 0) -> str:
    out = os.path.join(WORK, "models", f"bert-base-random-seed{seed}")
    if not os.path.exists(os.path.join(out, "model.safetensors")):
        sh([sys.executable, os.path.join(PEERS, "make_random_bert.py"), SEED_BERT_FILES, out,
            str(seed)])
    return out


def spaced(items: list, count: int) -> list:
    """count items spread evenly over the list (all of them if count >= len)."""
    if count >= len(items):
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def max_seq_length(model_dir: str) -> int:
    with open(os.path.join(model_dir, "sentence_bert_config.json")) as f:
        return int(json.load(f)["max_seq_length"])


def make_sets(model_dir: str, name: str, short_count: int, long_count: int,
              latency_count: int) -> dict:
    """Writes the sets for one model; returns {set: {path, texts, tokens}}."""
    import sets as sets_mod
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    max_len = max_seq_length(model_dir)
    short_all = sets_mod.read_stsb(STSB)
    chosen = {"short": spaced(short_all, short_count), "latency": spaced(short_all, latency_count)}
    if long_count > 0:
        chosen["long"] = sets_mod.join_long(tok, short_all, 200, long_count)
    out = {}
    for set_name, texts in chosen.items():
        path = os.path.join(WORK, "sets", name, f"{set_name}.txt")
        sets_mod.write(path, texts)
        counts = sets_mod.token_counts(tok, texts, max_len)
        out[set_name] = {"path": path, "texts": len(texts), "tokens": sum(counts),
                         "mean_tokens": sum(counts) / len(counts), "max_tokens": max(counts)}
    return out


# ------------------------------------------------------------------------------ statistics

def median(xs: list[float]) -> float | None:
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def percentile(xs: list[float], q: float) -> float | None:
    import numpy as np
    return float(np.percentile(np.asarray(xs), q)) if xs else None


def min_cosine(a_path: str, b_path: str) -> float:
    import numpy as np
    a, b = np.load(a_path).astype(np.float64), np.load(b_path).astype(np.float64)
    if a.shape != b.shape:
        raise PeerError(f"shape {a.shape} vs {b.shape}")
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    cos = (a * b).sum(axis=1) / np.maximum(na * nb, 1e-30)
    return float(cos.min())


def loadavg() -> list[float]:
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return []


# ------------------------------------------------------------------------------ one group

def run_group(title: str, model_dir: str, threads: int, peer_keys: list[str], sets: dict,
              corpus_sets: list[str], rounds: int, latency_count: int, ctx: dict,
              gap: float, nice: int = 0) -> dict:
    """Runs every peer on one model at one thread count; returns the group's results."""
    print(f"\n== {title}, {threads} thread(s): {', '.join(peer_keys)}", flush=True)
    tag = f"{os.path.basename(model_dir.rstrip('/'))}-t{threads}"
    tmp = os.path.join(WORK, "runs", tag)
    os.makedirs(tmp, exist_ok=True)
    env = peer_env(threads)
    peers: dict[str, Peer] = {}
    res: dict = {"title": title, "model_dir": model_dir, "threads": threads,
                 "sets": {k: {kk: vv for kk, vv in v.items() if kk != "path"}
                          for k, v in sets.items()},
                 "rounds": rounds, "peers": {}, "loadavg": []}
    for key in peer_keys:
        r = res["peers"][key] = {"label": PEER_LABELS[key], "corpus_seconds": {},
                                 "latency_ms": []}
        try:
            p = Peer(key, peer_command(key, model_dir, threads, ctx), env,
                     os.path.join(tmp, f"{key}.log"), nice)
            r["engine"] = p.ready.get("engine")
            r["start_seconds"] = p.start_seconds
            for extra in ("import_ms", "load_ms"):  # reported by peers that time them
                if extra in p.ready:
                    r[extra] = p.ready[extra]
            for set_name, s in sets.items():
                p.ask(f"load {set_name} {s['path']}")
            peers[key] = p
            print(f"  {key}: started in {p.start_seconds:.1f}s ({r['engine']})", flush=True)
        except PeerError as e:
            r["error"] = str(e)
            print(f"  {key}: FAILED to start: {e}", flush=True)

    def attempt(key: str, command: str) -> dict | None:
        if key not in peers:
            return None
        try:
            return peers[key].ask(command)
        except PeerError as e:
            res["peers"][key]["error"] = str(e)
            print(f"  {key}: FAILED on '{command}': {e}", flush=True)
            peers.pop(key).close()
            return None

    # Warm-up pass, also the embeddings for the parity check.
    for set_name in corpus_sets:
        for key in list(peers):
            npy = os.path.join(tmp, f"{key}-{set_name}.npy")
            attempt(key, f"embed {set_name} {npy}")
            time.sleep(gap)
    for rnd in range(rounds):
        order = list(peers)
        order = order[rnd % max(1, len(order)):] + order[:rnd % max(1, len(order))]
        res["loadavg"].append(loadavg())
        line = []
        for set_name in corpus_sets:
            for key in order:
                r = attempt(key, f"corpus {set_name}")
                if r:
                    res["peers"][key]["corpus_seconds"].setdefault(set_name, []).append(
                        r["seconds"])
                    line.append(f"{key}/{set_name} {sets[set_name]['texts'] / r['seconds']:.0f}/s")
                time.sleep(gap)
        for key in order:
            r = attempt(key, f"latency latency {latency_count}")
            if r:
                res["peers"][key]["latency_ms"].extend(r["ms"])
            time.sleep(gap)
        print(f"  round {rnd + 1}/{rounds}: " + ", ".join(line), flush=True)
    res["loadavg"].append(loadavg())
    for key in list(peers):
        r = attempt(key, "rss")
        if r:
            res["peers"][key]["peak_rss_mb"] = r["peak_rss_mb"]
        peers.pop(key).close()

    summarize(res, corpus_sets, tmp)
    return res


def summarize(res: dict, corpus_sets: list[str], tmp: str) -> None:
    peers = res["peers"]
    for key, r in peers.items():
        for set_name in corpus_sets:
            secs = r["corpus_seconds"].get(set_name, [])
            s = res["sets"][set_name]
            r.setdefault("sentences_per_s", {})[set_name] = (
                median([s["texts"] / x for x in secs]) if secs else None)
            r.setdefault("tokens_per_s", {})[set_name] = (
                median([s["tokens"] / x for x in secs]) if secs else None)
        r["latency_p50_ms"] = percentile(r["latency_ms"], 50)
        r["latency_p99_ms"] = percentile(r["latency_ms"], 99)
        r["latency_samples"] = len(r["latency_ms"])
        # Parity: minimum cosine against sentence-transformers (torch) over each set.
        r["min_cosine_vs_torch"] = {}
        for set_name in corpus_sets:
            a = os.path.join(tmp, f"{key}-{set_name}.npy")
            b = os.path.join(tmp, f"torch-{set_name}.npy")
            if os.path.exists(a) and os.path.exists(b) and "torch" in peers \
                    and "error" not in peers["torch"] and "error" not in r:
                try:
                    r["min_cosine_vs_torch"][set_name] = min_cosine(a, b)
                except PeerError as e:
                    r["min_cosine_vs_torch"][set_name] = f"error: {e}"
    # sembed/peer ratios from the same rounds (median of per-round ratios).
    s = peers.get("sembed")
    if not s or "error" in s:
        return
    for key, r in peers.items():
        if key == "sembed" or "error" in r:
            continue
        ratios = {}
        for set_name in corpus_sets:
            a = s["corpus_seconds"].get(set_name, [])
            b = r["corpus_seconds"].get(set_name, [])
            n = min(len(a), len(b))
            ratios[f"throughput_{set_name}"] = median([b[i] / a[i] for i in range(n)]) if n else None
        if s["latency_p50_ms"] and r["latency_p50_ms"]:
            ratios["latency_p50"] = r["latency_p50_ms"] / s["latency_p50_ms"]
            ratios["latency_p99"] = r["latency_p99_ms"] / s["latency_p99_ms"]
        if s.get("peak_rss_mb") and r.get("peak_rss_mb"):
            ratios["memory"] = s["peak_rss_mb"] / r["peak_rss_mb"]
        r["sembed_speedup"] = ratios


# ------------------------------------------------------------------------- encoder matmuls

def run_encoder_bench(binary: str, model_dir: str, quick: bool, nice: int = 0) -> dict:
    """Runs bench/encoder_bench (the encoder engineer's Google Benchmark binary) and pairs the
    encoder's matmuls with plain oneDNN matmuls on the same shapes and thread counts.

    Names it emits: BM_EncoderMatmul/SHAPE/THREADS[/ROWS] and BM_PlainDnnlMatmul/... (ROWS 0 =
    a typical STS-B batch; the label says "qkv M=293 ..."), BM_Throughput/THREADS[/BATCH] with a
    matmul_GFLOP/s counter (the whole forward's matmul FLOPs over its wall time)."""
    print(f"\n== encoder matmuls vs oneDNN: {binary}", flush=True)
    cmd = [binary, "--benchmark_format=json",
           "--benchmark_filter=BM_EncoderMatmul|BM_PlainDnnlMatmul|BM_Throughput|BM_LongThroughput"
           "|BM_ForwardGflops"]
    if not quick:
        cmd += ["--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"]
    env = dict(os.environ)
    env.setdefault("SEMBED_MINILM_DIR", model_dir)
    env.setdefault("SEMBED_BENCH_SENTENCES", "300" if quick else "1000")
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900,
                             preexec_fn=niceness(nice))
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 900 s"}
    if out.returncode != 0:
        return {"error": f"exit {out.returncode}: {out.stderr[-1500:]}"}
    data = json.loads(out.stdout)

    def gflops(v: float) -> float:
        return v / 1e9 if v > 1e6 else v  # counters as raw FLOP/s or already in GFLOP/s

    entries = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"]).replace("/real_time", "")
        counters = {k: v for k, v in b.items() if "/s" in k and isinstance(v, (int, float))}
        entries[name] = {"label": b.get("label", ""), "real_time": b.get("real_time"),
                         "time_unit": b.get("time_unit"), **counters}
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    H, I = cfg["hidden_size"], cfg["intermediate_size"]
    flops_per_token = {"qkv": 3 * H * H, "attn_out": H * H, "ffn_in": H * I, "ffn_out": I * H}
    groups: dict[tuple, list] = {}
    for name, e in entries.items():
        if not name.startswith("BM_EncoderMatmul/"):
            continue
        peak_name = name.replace("BM_EncoderMatmul/", "BM_PlainDnnlMatmul/")
        peak = entries.get(peak_name)
        if not peak or "GFLOP/s" not in e or "GFLOP/s" not in peak:
            continue
        args = name.split("/")[1:]
        threads = int(args[1]) if len(args) > 1 else 0
        label = e["label"].split(" ")
        shape = label[0]
        rows = next((x[2:] for x in label if x.startswith("M=")), "?")
        groups.setdefault((threads, rows), []).append({
            "shape": shape, "rows": rows, "threads": threads, "label": e["label"],
            "peak_label": peak["label"], "name": name, "peak_name": peak_name,
            "encoder_gflops": gflops(e["GFLOP/s"]), "onednn_gflops": gflops(peak["GFLOP/s"]),
            "fraction_of_peak": gflops(e["GFLOP/s"]) / gflops(peak["GFLOP/s"]),
            "flops_per_token": flops_per_token.get(shape)})
    res: dict = {"command": " ".join(cmd), "entries": entries, "groups": [],
                 "matmul_flops_per_token": 2 * cfg["num_hidden_layers"] * sum(
                     flops_per_token.values())}
    for (threads, rows), shapes in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[0][1]))):
        g = {"threads": threads, "rows": rows, "shapes": shapes}
        w = [x for x in shapes if x["flops_per_token"]]
        if w:
            f = sum(x["flops_per_token"] for x in w)
            g["encoder_gflops"] = f / sum(x["flops_per_token"] / x["encoder_gflops"] for x in w)
            g["onednn_gflops"] = f / sum(x["flops_per_token"] / x["onednn_gflops"] for x in w)
            g["fraction_of_peak"] = g["encoder_gflops"] / g["onednn_gflops"]
        res["groups"].append(g)
    # The typical-batch group per thread count: the headline and the whole-forward reference.
    typical = {}
    for g in res["groups"]:
        arg_rows = [x["name"].split("/")[3] if len(x["name"].split("/")) > 3 else "0"
                    for x in g["shapes"]]
        if all(a == "0" for a in arg_rows) and "fraction_of_peak" in g:
            typical[g["threads"]] = g
    if typical:
        head = typical.get(2) or typical[max(typical)]
        res["headline"] = {"threads": head["threads"], "rows": head["rows"],
                           "fraction_of_peak": head["fraction_of_peak"],
                           "encoder_gflops": head["encoder_gflops"],
                           "onednn_gflops": head["onednn_gflops"]}
    for name, e in entries.items():
        if not name.startswith(("BM_Throughput/", "BM_LongThroughput/", "BM_ForwardGflops/")):
            continue
        v = e.get("matmul_GFLOP/s") or e.get("GFLOP/s")
        if not v and e.get("tokens/s"):  # e.g. BM_LongThroughput: Linear FLOPs from tokens/s
            v = e["tokens/s"] * res["matmul_flops_per_token"] / 1e9
        threads = int(name.split("/")[1]) if len(name.split("/")) > 1 else 0
        if v and threads in typical:
            res.setdefault("forward", []).append({
                "name": name, "threads": threads, "matmul_gflops": gflops(v),
                "onednn_gflops": typical[threads]["onednn_gflops"],
                "fraction_of_peak": gflops(v) / typical[threads]["onednn_gflops"],
                "tokens_per_s": e.get("tokens/s"), "sentences_per_s": e.get("sentences/s")})
    return res


# ---------------------------------------------------------------------------------- report

def fmt(x, spec=".0f", none="–"):
    return none if x is None else (x if isinstance(x, str) else format(x, spec))


def group_table(g: dict, corpus_sets: list[str]) -> list[str]:
    cols = ["engine"]
    for s in corpus_sets:
        cols += [f"{s} sent/s", f"{s} tok/s"]
    cols += ["p50 ms", "p99 ms", "peak MB", "min cos vs ST"]
    cols += [f"sembed × ({s})" for s in corpus_sets] + ["sembed × (p50)", "sembed mem ÷"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for key, r in g["peers"].items():
        if "error" in r and not r.get("corpus_seconds"):
            lines.append(f"| {r['label']} | failed: {r['error'].splitlines()[0][:120]} |")
            continue
        row = [r["label"]]
        for s in corpus_sets:
            row += [fmt(r["sentences_per_s"].get(s)), fmt(r["tokens_per_s"].get(s))]
        row += [fmt(r["latency_p50_ms"], ".2f"), fmt(r["latency_p99_ms"], ".2f"),
                fmt(r.get("peak_rss_mb")),
                " / ".join(fmt(v, ".7f") for v in r["min_cosine_vs_torch"].values()) or "–"]
        sp = r.get("sembed_speedup", {})
        row += [fmt(sp.get(f"throughput_{s}"), ".2f") for s in corpus_sets]
        row += [fmt(sp.get("latency_p50"), ".2f"), fmt(sp.get("memory"), ".2f")]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def targets(groups: list[dict], encoder: dict | None) -> list[dict]:
    g = next((x for x in groups if x["title"].startswith("all-MiniLM") and x["threads"] == 2),
             None)
    out = []

    def add(name, value, goal, ok):
        out.append({"target": name, "value": value, "goal": goal,
                    "met": None if value is None else bool(ok)})

    if g:
        p = g["peers"]
        sp = lambda k, m: p.get(k, {}).get("sembed_speedup", {}).get(m)  # noqa: E731
        v = sp("torch", "throughput_short")
        add("throughput vs sentence-transformers (torch), short", v, "≥ 2.0×", v and v >= 2.0)
        v = sp("ort", "throughput_short")
        add("throughput vs ONNX Runtime fp32, short", v, "≥ 1.5×", v and v >= 1.5)
        v = sp("ort-O2", "throughput_short")
        add("throughput vs ONNX Runtime fp32 O2 (extra), short", v, "≥ 1.5×", v and v >= 1.5)
        v = p.get("sembed", {}).get("latency_p50_ms")
        add("single short sentence p50 latency (ms)", v, "≤ 2 ms", v is not None and v <= 2.0)
        for k in FP32_PEERS:
            v = sp(k, "throughput_long")
            if k in p:
                add(f"long set: ahead of {PEER_LABELS[k]}", v, "> 1.0×", v and v > 1.0)
    if encoder and "headline" in encoder:
        h = encoder["headline"]
        v = h["fraction_of_peak"]
        add(f"encoder matmuls vs plain oneDNN, same shapes ({h['threads']} threads, M={h['rows']}, "
            "FLOP-weighted)", v, "≥ 70 %", v >= 0.70)
        fw = [f for f in encoder.get("forward", []) if f["threads"] == h["threads"]]
        if fw:
            best = max(fw, key=lambda f: f["fraction_of_peak"])
            out.append({"target": f"(info) whole forward matmul FLOPs ÷ wall time vs that peak "
                        f"({best['name']})", "value": best["fraction_of_peak"], "goal": "– %",
                        "met": None})
        # How close end to end is to the hardware: the encoder's matmul FLOPs per token at the
        # plain oneDNN rate give a ceiling in tokens/s no fp32 engine using these kernels passes.
        sem = g["peers"].get("sembed", {}) if g else {}
        tps = (sem.get("tokens_per_s") or {}).get("short")
        if tps and encoder.get("matmul_flops_per_token"):
            ceiling = h["onednn_gflops"] * 1e9 / encoder["matmul_flops_per_token"]
            out.append({"target": f"(info) sembed short-set tokens/s ÷ ceiling at the oneDNN peak "
                        f"({ceiling:.0f} tokens/s = {h['onednn_gflops']:.0f} GFLOP/s ÷ "
                        f"{encoder['matmul_flops_per_token'] / 1e6:.1f} MFLOP/token)",
                        "value": tps / ceiling, "goal": "– %", "met": None})
            ort = (g["peers"].get("ort", {}).get("tokens_per_s") or {}).get("short")
            if ort:
                out.append({"target": "(info) largest possible sembed ÷ ONNX Runtime fp32 on the "
                            "short set at that ceiling", "value": ceiling / ort, "goal": "–×",
                            "met": None})
        long_tps = (sem.get("tokens_per_s") or {}).get("long")
        for f in fw:
            mine = (tps if f["name"].startswith("BM_Throughput/") and f["name"].endswith("/32")
                    else long_tps if f["name"].startswith("BM_LongThroughput/") else None)
            if mine and f.get("tokens_per_s"):
                out.append({"target": f"(info) sembed end to end ÷ encoder forward alone "
                            f"({f['name']}, tokens/s over similar, not identical texts; the rest is "
                            "tokenization, batching, pooling)", "value": mine / f["tokens_per_s"], "goal": "– %",
                            "met": None})
    return out


def markdown(report: dict) -> str:
    m = report["meta"]
    lines = [f"# sembed benchmark — {m['date']} — {m['label']}", "",
             f"- machine: {m['cpu']}, {m['cores']} cores, ISA flags {', '.join(m.get('isa', [])) or '?'}, "
             f"{m['host']}; load average at start "
             f"{m['loadavg_start']}, end {m['loadavg_end']}"
             + (f"; engines ran at niceness {m['nice']:+d}" if m.get("nice") else ""),
             f"- sembed: {m['sembed_commit']}; peers: "
             + "; ".join(f"{k}: {v}" for k, v in m["engines"].items()),
             f"- command: `{m['command']}` ({m['seconds']:.0f} s)",
             "- figures: medians over rounds; latency percentiles over all single-sentence calls; "
             "`sembed ×` = how many times faster (or, for memory, sembed's peak ÷ the peer's) "
             "sembed is than that peer, median of per-round ratios from this run; `min cos vs ST` "
             "= smallest cosine between the engine's and sentence-transformers' embedding of "
             "the same text (per set)", ""]
    for g in report["groups"]:
        sets = g["corpus_sets"]
        lines += [f"## {g['title']}, {g['threads']} thread(s)", ""]
        lines += ["Sets: " + "; ".join(
            f"{k}: {v['texts']} texts, {v['tokens']} tokens (mean {v['mean_tokens']:.1f}, max "
            f"{v['max_tokens']})" for k, v in g["sets"].items())
            + f". Rounds: {g['rounds']}. Load average per round: "
            + ", ".join(str(x[0]) if x else "?" for x in g["loadavg"]), ""]
        lines += group_table(g, sets) + [""]
    enc = report.get("encoder")
    if enc:
        lines += ["## Encoder matmuls vs plain oneDNN on the same shapes (all-MiniLM-L6-v2)", ""]
        if "error" in enc:
            lines += [f"encoder_bench failed: {enc['error']}", ""]
        else:
            lines += ["| threads | rows | shape | encoder GFLOP/s | plain oneDNN GFLOP/s | fraction |",
                      "|---|---|---|---|---|---|"]
            for g in enc["groups"]:
                for x in g["shapes"]:
                    lines.append(f"| {g['threads']} | {g['rows']} | {x['label']} | "
                                 f"{x['encoder_gflops']:.1f} | {x['onednn_gflops']:.1f} | "
                                 f"{x['fraction_of_peak']:.0%} |")
                if "fraction_of_peak" in g:
                    lines.append(f"| {g['threads']} | {g['rows']} | **all four, FLOP-weighted** | "
                                 f"**{g['encoder_gflops']:.1f}** | **{g['onednn_gflops']:.1f}** | "
                                 f"**{g['fraction_of_peak']:.0%}** |")
            lines.append("")
            if enc.get("forward"):
                lines += ["Whole encoder forward over STS-B batches (`BM_Throughput`: short "
                          "sentences, THREADS/BATCH; `BM_LongThroughput`: the long set): the "
                          "Linear layers' FLOPs ÷ wall time (attention's own products not "
                          "counted), against the FLOP-weighted plain-oneDNN figure at the "
                          "typical batch and the same thread count:", "",
                          "| benchmark | matmul GFLOP/s | oneDNN GFLOP/s | fraction | tokens/s |",
                          "|---|---|---|---|---|"]
                for f in enc["forward"]:
                    lines.append(f"| {f['name']} | {f['matmul_gflops']:.1f} | "
                                 f"{f['onednn_gflops']:.1f} | {f['fraction_of_peak']:.0%} | "
                                 f"{fmt(f.get('tokens_per_s'))} |")
                lines.append("")
    if report["targets"]:
        lines += ["## Targets (2 threads, fp32, all-MiniLM-L6-v2)", "",
                  "| target | value | goal | met |", "|---|---|---|---|"]
        for t in report["targets"]:
            v = t["value"]
            vs = "–" if v is None else (f"{v:.0%}" if "%" in t["goal"] else
                                        f"{v:.2f} ms" if "ms" in t["goal"] else f"{v:.2f}×")
            met = {True: "yes", False: "**no**", None: "–"}[t["met"]]
            lines.append(f"| {t['target']} | {vs} | {t['goal']} | {met} |")
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ main

def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 threads, few sentences")
    ap.add_argument("--full", action="store_true", help="all STS-B sentences, 5 rounds")
    ap.add_argument("--threads", default=None, help="comma list (default 1,2; --quick: 2)")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--short-count", type=int, default=None, help="short sentences timed")
    ap.add_argument("--long-count", type=int, default=None, help="long (~200 token) texts timed")
    ap.add_argument("--latency-count", type=int, default=None, help="single-sentence calls per round")
    ap.add_argument("--bert-count", type=int, default=None, help="sentences for the BERT-base run")
    ap.add_argument("--peers", default="sembed,torch,ort,ort-O2,ort-int8")
    ap.add_argument("--no-bert-base", action="store_true")
    ap.add_argument("--no-encoder-bench", action="store_true")
    ap.add_argument("--model", default=None,
                    help="model directory, e.g. all-mpnet-base-v2 (default: $SEMBED_MODEL or "
                         "~/.cache/sembed/models/all-MiniLM-L6-v2)")
    ap.add_argument("--build-dir", default=os.environ.get("SEMBED_BUILD_DIR", "build"))
    ap.add_argument("--no-build", action="store_true", help="use the built driver as it is")
    ap.add_argument("--label", default=None, help="results file name suffix (default: host name)")
    ap.add_argument("--no-save", action="store_true", help="print only, write no results file")
    ap.add_argument("--nice", type=int, default=-15 if os.geteuid() == 0 else 0,
                    help="niceness of every engine process and of its own autogroup, so that "
                         "other work on a shared machine disturbs the measurement less "
                         "(default -15 as root, else 0; 0 disables)")
    ap.add_argument("--gap", type=float, default=0.3,
                    help="seconds of idle between engines (lets spinning thread pools sleep)")
    ap.add_argument("--sembed-python", default=os.environ.get("SEMBED_PYTHON"),
                    help="interpreter with the sembed package for the sembed-py peer (default "
                         "build-pip/venv/bin/python, made by scripts/test_python.sh)")
    ap.add_argument("--python", default=None, help="interpreter with the peers' packages "
                    "(default bench/.venv/bin/python, or $BENCH_PYTHON)")
    a = ap.parse_args()
    mode = "quick" if a.quick else "full" if a.full else "default"
    d = {"quick": dict(threads="2", rounds=1, short=256, long=16, latency=30, bert=64),
         "default": dict(threads="1,2", rounds=3, short=2048, long=128, latency=200, bert=256),
         "full": dict(threads="1,2", rounds=5, short=10**9, long=256, latency=300, bert=1024)}[mode]
    a.mode = mode
    a.threads = [int(x) for x in (a.threads or d["threads"]).split(",")]
    a.rounds = a.rounds or d["rounds"]
    a.short_count = a.short_count or d["short"]
    a.long_count = d["long"] if a.long_count is None else a.long_count
    a.latency_count = a.latency_count or d["latency"]
    a.bert_count = a.bert_count or d["bert"]
    a.peers = [p for p in a.peers.split(",") if p]
    return a


def main() -> None:
    t_start = time.time()
    args = parse_args()
    reexec_in_venv(args.python)
    os.makedirs(WORK, exist_ok=True)
    build_dir = args.build_dir if os.path.isabs(args.build_dir) else os.path.join(ROOT, args.build_dir)
    model_dir = args.model or os.environ.get("SEMBED_MODEL") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "sembed", "models",
        "all-MiniLM-L6-v2")
    if not os.path.exists(os.path.join(model_dir, "config.json")):
        sys.exit(f"run.py: no model in {model_dir}: run scripts/fetch_default_model.sh")
    load_start = loadavg()

    ctx: dict = {"onnx_dirs": {}, "sembed_python": args.sembed_python
                 or os.path.join(ROOT, "build-pip", "venv", "bin", "python")}
    enc_binary = None
    if any(p.startswith("sembed") and p != "sembed-py" for p in args.peers):
        if args.no_build:
            ctx["driver"] = os.path.join(build_dir, "bench", "sembed_peer_bench")
            e = os.path.join(build_dir, "bench", "encoder_bench")
            enc_binary = e if os.path.exists(e) else None
        else:
            ctx["driver"], enc_binary = build_sembed(build_dir)
    if any(p.startswith("ort") for p in args.peers):
        ctx["onnx_dirs"][model_dir] = ensure_onnx(model_dir,
                                                  os.path.basename(os.path.normpath(model_dir)))

    groups = []
    model_name = os.path.basename(os.path.normpath(model_dir))
    minilm_sets = make_sets(model_dir, model_name, args.short_count, args.long_count,
                            args.latency_count)
    corpus_sets = ["short"] + (["long"] if args.long_count > 0 else [])
    for threads in args.threads:
        g = run_group(model_name, model_dir, threads, args.peers, minilm_sets,
                      corpus_sets, args.rounds, args.latency_count, ctx, args.gap, args.nice)
        g["corpus_sets"] = corpus_sets
        groups.append(g)
    if not args.no_bert_base:
        bert_dir = ensure_random_bert()
        bert_sets = make_sets(bert_dir, "bert-base-random", args.bert_count, 0,
                              max(20, args.latency_count // 2))
        keys = [k for k in ("sembed", "torch") if k in args.peers]
        for threads in ([max(args.threads)] if args.mode != "full" else args.threads):
            g = run_group("BERT-base shape (random weights, seed 0)", bert_dir, threads, keys,
                          bert_sets, ["short"], args.rounds, max(20, args.latency_count // 2),
                          ctx, args.gap, args.nice)
            g["corpus_sets"] = ["short"]
            groups.append(g)

    encoder = None
    if enc_binary and not args.no_encoder_bench:
        encoder = run_encoder_bench(enc_binary, model_dir, args.quick, args.nice)

    def git(*a):
        try:
            return subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "src", "include") else ""
    cpu, isa = platform.processor(), []
    try:
        cpu, isa, _ = machine.cpu()
    except OSError:
        pass
    now = datetime.datetime.now(datetime.timezone.utc)
    label = args.label or socket.gethostname()
    engines = {}
    for g in groups:
        for k, r in g["peers"].items():
            if r.get("engine"):
                engines.setdefault(k, r["engine"])
    report = {
        "meta": {"date": now.strftime("%Y-%m-%d %H:%M UTC"), "label": label, "host": socket.gethostname(),
                 "cpu": cpu, "isa": isa, "cores": os.cpu_count(), "mode": args.mode,
                 "command": "python3 bench/run.py " + " ".join(sys.argv[1:]),
                 "sembed_commit": git("rev-parse", "--short", "HEAD") + dirty,
                 "engines": engines, "loadavg_start": load_start, "loadavg_end": loadavg(),
                 "seconds": time.time() - t_start, "python": sys.version.split()[0],
                 "nice": args.nice},
        "groups": groups, "encoder": encoder,
    }
    report["targets"] = targets(groups, encoder)
    md = markdown(report)
    print("\n" + md)
    if not args.no_save:
        os.makedirs(RESULTS, exist_ok=True)
        base = os.path.join(RESULTS, f"{now.strftime('%Y-%m-%d')}-{label}")
        with open(base + ".json", "w") as f:
            json.dump(report, f, indent=1)
        with open(base + ".md", "w") as f:
            f.write(md + "\n")
        print(f"results: {base}.json, {base}.md")


if __name__ == "__main__":
    main()
