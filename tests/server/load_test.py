"""Bounded load run against `sembed serve` on loopback: CLIENTS threads send a mix of requests
(OpenAI and TEI routes, 1-6 inputs of 1-20 words, a tenth up to 120 words, plus 10% invalid requests that must get their
4xx) for SECONDS (at most 60). Passes when no valid request failed, every invalid one got its
expected status, and the server's resident memory stopped growing. Memory rises at first (malloc
arenas, thread stacks, and the engine's per-batch-shape kernel cache filling up), so "stopped
growing" means: the growth over the last third of the run (peak of the last third minus peak of
the middle third) is at most 8 MiB. A leak grows at a steady rate and fails this; the engine's
kernel cache is bounded (src/ops/cpu/linear.cpp: canonical row counts, an LRU of 48 kernels per
matrix), so it fills early and stops. The run prints the
smallest per-request leak the bound catches (the bound divided by the requests of the last third).
Before the run, one request per sequence length (2..256 tokens) compiles the engine's kernels for
every row count a lone sequence gives, so that less of the filling cache lands in the measured
window (the cache itself is a known RSS cost, docs/server.md).

Usage: load_test.py SEMBED_BINARY [--seconds 30] [--clients 16]
"""
import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time

from serve_process import ServeProcess

WORDS = ("the quick brown fox jumps over lazy dog embedding server batches requests under a token "
         "budget while many clients wait for their vectors résumé naïve 東京 café").split()


def make_request(rng):
    """(method, path, body, expected status)."""
    if rng.random() < 0.1:
        bad = rng.choice([
            ("/embed", b"{not json", 400),
            ("/v1/embeddings", json.dumps({"input": []}).encode(), 400),
            ("/embed", json.dumps({"inputs": "x", "normalize": "yes"}).encode(), 422),
            ("/v1/embeddings", json.dumps({"input": "x", "dimensions": 0}).encode(), 400),
            ("/embed", json.dumps({"inputs": " ".join(["word"] * 400)}).encode(), 422),
        ])
        return "POST", bad[0], bad[1], bad[2]
    # Mostly short sentences (the common case, and many requests per second), some long ones.
    longest = 120 if rng.random() < 0.1 else 20
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, longest)))
             for _ in range(rng.randint(1, 6))]
    kind = rng.random()
    if kind < 0.45:
        return "POST", "/v1/embeddings", json.dumps({"input": texts}).encode(), 200
    if kind < 0.55:
        body = {"input": texts, "encoding_format": "base64", "dimensions": 128}
        return "POST", "/v1/embeddings", json.dumps(body).encode(), 200
    if kind < 0.9:
        return "POST", "/embed", json.dumps({"inputs": texts, "truncate": True}).encode(), 200
    if kind < 0.95:
        body = {"inputs": {"source_sentence": texts[0], "sentences": texts}}
        return "POST", "/similarity", json.dumps(body).encode(), 200
    return "POST", "/tokenize", json.dumps({"inputs": texts}).encode(), 200


def warm_kernel_caches(port):
    """One /embed request per token count 2..256 ("word" is one token; [CLS] and [SEP] add two)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for n in range(0, 255):
        body = json.dumps({"inputs": " ".join(["word"] * n), "truncate": True}).encode()
        conn.request("POST", "/embed", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            sys.exit(f"warm-up request of {n} words: status {resp.status}")
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=16)
    args = ap.parse_args()
    seconds = min(args.seconds, 60.0)

    with ServeProcess(args.binary) as srv:
        warm_kernel_caches(srv.port)
        stop_at = time.time() + seconds
        lock = threading.Lock()
        latencies, failures, counts = [], [], {"ok": 0, "expected_4xx": 0}
        rss = []

        def client(seed):
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
            while time.time() < stop_at:
                method, path, body, want = make_request(rng)
                t0 = time.perf_counter()
                try:
                    conn.request(method, path, body, {"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    data = resp.read()
                    status = resp.status
                    if resp.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
                except Exception as e:  # a dropped connection is a failure
                    status, data = -1, repr(e).encode()
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
                dt = time.perf_counter() - t0
                with lock:
                    if status != want:
                        failures.append((path, want, status, data[:200]))
                    elif want == 200:
                        counts["ok"] += 1
                        latencies.append(dt)
                    else:
                        counts["expected_4xx"] += 1
            conn.close()

        def sampler():
            while time.time() < stop_at:
                rss.append((time.time(), srv.rss_kib()))
                time.sleep(0.5)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        threads.append(threading.Thread(target=sampler))
        t_start = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - t_start
        status, _, health = srv.request("GET", "/health")

    third = len(rss) // 3
    first = max(r for _, r in rss[:third])
    middle = max(r for _, r in rss[third:2 * third])
    last = max(r for _, r in rss[2 * third:])
    early_growth = first - rss[0][1]
    late_growth = last - middle
    allowed = 8 * 1024  # KiB
    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")
    print(f"load: {args.clients} clients, {elapsed:.1f} s, {counts['ok']} ok "
          f"({counts['ok'] / elapsed:.1f} req/s), {counts['expected_4xx']} expected 4xx, "
          f"{len(failures)} failures; latency p50 {p(0.5):.1f} ms p99 {p(0.99):.1f} ms; "
          f"RSS start {rss[0][1] / 1024:.1f} MiB, thirds' peaks {first / 1024:.1f} / "
          f"{middle / 1024:.1f} / {last / 1024:.1f} MiB (growth {early_growth / 1024:.1f} MiB in "
          f"the first third, {late_growth / 1024:.1f} MiB in the last, allowed "
          f"{allowed / 1024:.1f})")
    last_third_requests = max(1, (counts["ok"] + counts["expected_4xx"]) // 3)
    print(f"leak bound: a leak of {allowed / last_third_requests:.1f} KiB or more per request "
          f"would fail this run ({last_third_requests} requests in the last third)")
    step = max(1, len(rss) // 12)
    print("RSS MiB over the run:", " ".join(f"{r / 1024:.0f}" for _, r in rss[::step]))
    ok = True
    if failures:
        print("failures (first 10):", *failures[:10], sep="\n  ")
        ok = False
    if status != 200:
        print("server unhealthy after the run")
        ok = False
    if late_growth > allowed:
        print("memory still growing in the last third of the run")
        ok = False
    if counts["ok"] == 0:
        print("no request succeeded")
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
