#!/usr/bin/env python3
"""Every `sembed serve` option through the real binary, checked against its documented behaviour
(docs/server.md) only, not the server's internals: --model-id, --threads, --http-threads,
--max-batch-tokens, --max-batch-requests, --max-client-batch-size, --max-queue-requests,
--max-queue-tokens (429 over HTTP), --max-body-bytes, --auto-truncate, --default-prompt and
--default-prompt-name (also in openai_client_test.py, on a model with prompts), --api-key and
SEMBED_API_KEY, and SIGINT (in-flight request finishes, exit 0). SIGTERM: sigterm_test.py.

Usage: serve_options_test.py SEMBED_BINARY
"""
import json
import pathlib
import re
import signal
import subprocess
import sys
import threading
import unittest

import numpy as np

from serve_process import ServeProcess, wait_until

SEMBED = sys.argv.pop(1) if len(sys.argv) > 1 else "build/sembed"
ROOT = pathlib.Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "golden" / "minilm_reference.json").read_text())
SEED = json.loads((ROOT / "tests" / "golden" / "minilm_seed_similarity.json").read_text())["sentences"]
LONG = "word " * 400  # over all-MiniLM-L6-v2's max_seq_length of 256 tokens


def metric(srv, name):
    status, _, body = srv.request("GET", "/metrics")
    m = re.search(r"^" + re.escape(name) + r" ([0-9.e+]+)$", body.decode(), re.M)
    return float(m.group(1)) if status == 200 and m else None


def concurrently(srv, n, path, body):
    """n requests at once; returns their statuses."""
    statuses = [None] * n

    def one(i):
        statuses[i] = srv.request("POST", path, body, timeout=300)[0]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


class ServeOptions(unittest.TestCase):
    def test_model_id_is_echoed(self):
        with ServeProcess(SEMBED, "--model-id", "my-model") as srv:
            status, _, body = srv.request("GET", "/info")
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(body)["model_id"], "my-model")
            status, _, body = srv.request("POST", "/v1/embeddings", {"input": "hi"})
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["model"], "my-model")

    def test_threads_1_gives_the_reference_vectors(self):
        with ServeProcess(SEMBED, "--threads", "1") as srv:
            status, _, body = srv.request("POST", "/embed", {"inputs": SEED})
            self.assertEqual(status, 200, body)
            np.testing.assert_allclose(json.loads(body), REF["seed_embeddings"], atol=1e-6)

    def test_one_http_thread_still_serves_every_client(self):
        with ServeProcess(SEMBED, "--http-threads", "1") as srv:
            statuses = concurrently(srv, 6, "/embed", {"inputs": "a sentence"})
            self.assertEqual(statuses, [200] * 6)

    def test_max_batch_requests_1_gives_one_sequence_per_engine_call(self):
        with ServeProcess(SEMBED, "--max-batch-requests", "1") as srv:
            self.assertEqual(concurrently(srv, 8, "/embed", {"inputs": SEED}), [200] * 8)
            calls = metric(srv, "sembed_batch_size_count")
            sequences = metric(srv, "sembed_batch_size_sum")
            self.assertIsNotNone(calls)
            self.assertEqual(sequences, 8 * len(SEED))
            self.assertEqual(calls, sequences)  # never more than one sequence per call

    def test_max_batch_tokens_below_max_seq_length_is_refused_at_start(self):
        r = subprocess.run([SEMBED, "serve", "--port", "0", "--max-batch-tokens", "100"],
                           capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"max-batch-tokens", r.stderr.replace(b"_", b"-"))

    def test_max_client_batch_size(self):
        with ServeProcess(SEMBED, "--max-client-batch-size", "2") as srv:
            self.assertEqual(srv.request("POST", "/embed", {"inputs": ["a", "b"]})[0], 200)
            self.assertEqual(srv.request("POST", "/embed", {"inputs": ["a", "b", "c"]})[0], 413)
            self.assertEqual(srv.request("POST", "/v1/embeddings", {"input": ["a", "b", "c"]})[0],
                             413)

    def test_max_body_bytes(self):
        with ServeProcess(SEMBED, "--max-body-bytes", "1000") as srv:
            self.assertEqual(srv.request("POST", "/embed", {"inputs": "x" * 900})[0], 200)
            self.assertEqual(srv.request("POST", "/embed", {"inputs": "x" * 1100})[0], 413)
            self.assertEqual(srv.request("GET", "/health")[0], 200)  # alive afterwards

    def test_auto_truncate(self):
        # TEI answers an input over max_seq_length with truncation off by 422 (docs/server.md).
        with ServeProcess(SEMBED) as srv:
            self.assertEqual(srv.request("POST", "/embed", {"inputs": LONG})[0], 422)
        with ServeProcess(SEMBED, "--auto-truncate") as srv:
            self.assertEqual(srv.request("POST", "/embed", {"inputs": LONG})[0], 200)
            self.assertEqual(srv.request("POST", "/embed", {"inputs": LONG, "truncate": False})[0],
                             422)

    def test_default_prompt_is_prepended_to_requests_without_prompt_name(self):
        with ServeProcess(SEMBED) as srv:
            status, _, body = srv.request("POST", "/embed", {"inputs": "query: " + SEED[0]})
            self.assertEqual(status, 200, body)
            prompted = json.loads(body)
        with ServeProcess(SEMBED, "--default-prompt", "query: ") as srv:
            status, _, body = srv.request("POST", "/embed", {"inputs": SEED[0]})
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), prompted)
            status, _, body = srv.request("POST", "/v1/embeddings", {"input": SEED[0]})
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["data"][0]["embedding"], prompted[0])

    def test_unknown_default_prompt_name_is_refused_at_start(self):
        # all-MiniLM-L6-v2 defines no prompts.
        r = subprocess.run([SEMBED, "serve", "--port", "0", "--default-prompt-name", "query"],
                           capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"--default-prompt-name", r.stderr)
        self.assertIn(b"it has none", r.stderr)
        r = subprocess.run([SEMBED, "serve", "--port", "0", "--default-prompt-name", "query",
                            "--default-prompt", "q: "], capture_output=True, timeout=120)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"excludes", r.stderr.lower())

    def check_api_key(self, srv):
        self.assertEqual(srv.request("GET", "/health")[0], 200)  # no key needed
        self.assertEqual(srv.request("POST", "/embed", {"inputs": "a"})[0], 401)
        self.assertEqual(srv.request("POST", "/embed", {"inputs": "a"},
                                     headers={"Authorization": "Bearer wrong"})[0], 401)
        self.assertEqual(srv.request("POST", "/embed", {"inputs": "a"},
                                     headers={"Authorization": "Bearer s3cret"})[0], 200)

    def test_api_key_option(self):
        with ServeProcess(SEMBED, "--api-key", "s3cret") as srv:
            self.check_api_key(srv)

    def test_api_key_environment(self):
        with ServeProcess(SEMBED, env={"SEMBED_API_KEY": "s3cret"}) as srv:
            self.check_api_key(srv)

    def test_token_queue_limit_gives_429_over_http(self):
        # 24 requests of ~200 tokens at once against a 600-token queue: the engine (one thread)
        # cannot keep up, so some must be refused, each with Retry-After, and the rest served.
        with ServeProcess(SEMBED, "--max-queue-tokens", "600", "--threads", "1") as srv:
            body = {"inputs": ["many words " * 100] * 1, "truncate": True}
            statuses = concurrently(srv, 24, "/embed", body)
            self.assertIn(429, statuses)
            self.assertIn(200, statuses)
            self.assertEqual(set(statuses), {200, 429})
            self.assertEqual(metric(srv, "sembed_queue_full_total"), statuses.count(429))
            self.assertEqual(srv.request("POST", "/embed", {"inputs": "after"})[0], 200)

    def test_request_queue_limit_gives_429_over_http(self):
        with ServeProcess(SEMBED, "--max-queue-requests", "1", "--threads", "1") as srv:
            statuses = concurrently(srv, 24, "/embed", {"inputs": ["many words " * 100] * 4})
            self.assertIn(429, statuses)
            self.assertEqual(set(statuses), {200, 429})

    def test_sigint_lets_the_in_flight_request_finish(self):
        srv = ServeProcess(SEMBED)
        texts = ["a long sentence " * 60] * 150
        result = {}
        t = threading.Thread(target=lambda: result.setdefault(
            "reply", srv.request("POST", "/embed", {"inputs": texts, "truncate": True},
                                 timeout=300)))
        t.start()
        self.assertTrue(wait_until(lambda: (metric(srv, "sembed_requests_in_flight") or 0) >= 2,
                                   timeout=30), "the request never started")
        srv.proc.send_signal(signal.SIGINT)
        t.join(300)
        self.assertEqual(result["reply"][0], 200)
        self.assertEqual(len(json.loads(result["reply"][2])), len(texts))
        self.assertEqual(srv.proc.wait(60), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
