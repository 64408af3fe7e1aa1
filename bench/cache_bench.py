#!/usr/bin/env python3
"""The server's embedding cache (`sembed serve --cache-mb`): the STS-B test sentences sent twice
(batches of 32 over TEI /embed) to a server with the cache and to one without, in the same run —
per pass the wall time, the cache's hit rate from /metrics and the speed-up of the warm pass —
then a stream of unique texts into a server with a small cache, sampling its resident memory
(VmRSS) and the cache's bytes, to show both stay bounded.

    python3 bench/cache_bench.py [--model DIR] [--threads 2] [--unique 20000]
                                 [--out bench/results/NAME.md]

Needs build/sembed and the default model (scripts/fetch_default_model.sh). Standard library only.
"""
import argparse
import csv
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, args):
        self.port = free_port()
        self.proc = subprocess.Popen([binary, "serve", "--port", str(self.port), *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def post(self, path, body):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.read()

    def metrics(self):
        body = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics").read().decode()
        out = {}
        for line in body.splitlines():
            if line and not line.startswith("#") and "{" not in line:
                name, value = line.split()
                out[name] = float(value)
        return out

    def rss_mib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def sentences():
    texts = []
    with open(os.path.join(ROOT, "tests", "data", "stsbenchmark", "sts-test.csv"), encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            texts.extend([row[5], row[6]])
    return texts


def send_all(server, texts, batch=32):
    t0 = time.perf_counter()
    bodies = []
    for i in range(0, len(texts), batch):
        bodies.append(server.post("/embed", {"inputs": texts[i:i + batch], "truncate": True}))
    return time.perf_counter() - t0, bodies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "sembed"))
    parser.add_argument("--model", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--unique", type=int, default=20000)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    common = ["--threads", str(args.threads)] + (["--model", args.model] if args.model else [])
    texts = sentences()
    distinct = len(set(texts))

    cached = Server(args.binary, common + ["--cache-mb", "64"])
    plain = Server(args.binary, common)
    rows = []
    try:
        plain_cold, plain_bodies = send_all(plain, texts)
        cold, cold_bodies = send_all(cached, texts)
        m1 = cached.metrics()
        plain_warm, _ = send_all(plain, texts)
        warm, warm_bodies = send_all(cached, texts)
        m2 = cached.metrics()
        identical = cold_bodies == warm_bodies == plain_bodies
        hits1 = m1["sembed_cache_hits_total"] / len(texts)
        hits2 = (m2["sembed_cache_hits_total"] - m1["sembed_cache_hits_total"]) / len(texts)
        rows = [("1 (cold)", cold, plain_cold, hits1), ("2 (repeat)", warm, plain_warm, hits2)]
        cache_mib = m2["sembed_cache_bytes"] / 2**20
    finally:
        cached.stop()
        plain.stop()

    small = Server(args.binary, common + ["--cache-mb", "8"])
    samples = []
    try:
        rng = random.Random(7)
        words = " ".join(texts).split()
        batch = 32
        for i in range(0, args.unique, batch):
            small.post("/embed", {"inputs": [" ".join(rng.choices(words, k=12)) + f" {i + k}"
                                             for k in range(batch)], "truncate": True})
            if (i // batch) % 50 == 0:
                samples.append((i + batch, small.rss_mib(), small.metrics()["sembed_cache_bytes"] / 2**20))
        samples.append((args.unique, small.rss_mib(), small.metrics()["sembed_cache_bytes"] / 2**20))
    finally:
        small.stop()

    flags = open("/proc/cpuinfo").read()
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if f" {f}" in flags]
    lines = [
        "# Embedding cache (`sembed serve --cache-mb`)", "",
        f"CPU: {cpu_name()}, {os.cpu_count()} cores; ISA flags: {', '.join(isa)}. "
        f"Model: {args.model or 'all-MiniLM-L6-v2 (default)'}, {args.threads} threads, fp32. "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Command: `python3 bench/cache_bench.py`.", "",
        f"STS-B test sentences: {len(texts)} texts ({distinct} distinct), batches of 32 over TEI "
        "/embed, the same run against a server with `--cache-mb 64` and one without.", "",
        "| pass | with cache s | without s | speed-up | hit rate |", "| --- | --- | --- | --- | --- |"]
    for name, with_cache, without, hits in rows:
        lines.append(f"| {name} | {with_cache:.2f} | {without:.2f} | {without / with_cache:.2f} | {hits:.3f} |")
    lines += ["", f"Responses byte-identical across passes and servers: {identical}. "
              f"Cache size after both passes: {cache_mib:.1f} MiB.", "",
              f"Unique texts into `--cache-mb 8` ({args.unique} texts, 12 random words each):", "",
              "| texts sent | server RSS MiB | cache MiB |", "| --- | --- | --- |"]
    shown = samples[:: max(1, len(samples) // 10)]
    if shown[-1] != samples[-1]:
        shown.append(samples[-1])
    for n, rss, cb in shown:
        lines.append(f"| {n} | {rss:.0f} | {cb:.2f} |")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
