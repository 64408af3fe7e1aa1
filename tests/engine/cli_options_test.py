#!/usr/bin/env python3
"""Every `sembed embed`, `similarity` and `tokenize` option through the real binary, against
sentence-transformers' values (tests/golden/minilm_seed_similarity.json, from
scripts/make_cli_similarity_golden.py) or HF tokenizers run live. Each call's exit status is
checked before its output is read. Bad input and output formats: cli_test.py.

Usage: cli_options_test.py PATH/TO/sembed
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

import numpy as np

SEMBED = sys.argv.pop(1) if len(sys.argv) > 1 else "build/sembed"
ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLD = json.loads((ROOT / "tests" / "golden" / "minilm_seed_similarity.json").read_text())
REF = json.loads((ROOT / "tests" / "golden" / "minilm_reference.json").read_text())
SEED = GOLD["sentences"]
ATOL = 1e-6  # what the parity tests hold sembed to


def ok(*args, stdin=None):
    """Runs sembed, asserts exit status 0, returns the CompletedProcess."""
    r = subprocess.run([SEMBED, *args], input=stdin, capture_output=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"sembed {' '.join(args)[:200]} exited {r.returncode}: "
                             f"{r.stderr.decode(errors='replace')}")
    return r


def vectors(*args, stdin=None):
    return np.array(json.loads(ok("embed", "-f", "json", *args, stdin=stdin).stdout),
                    dtype=np.float32)


class Embed(unittest.TestCase):
    def test_batch_size_never_changes_a_bit(self):
        default = ok("embed", *SEED).stdout
        for n in ("1", "3", "1000"):
            self.assertEqual(ok("embed", "--batch-size", n, *SEED).stdout, default, n)

    def test_threads_match_sentence_transformers(self):
        for n in ("1", "2"):
            np.testing.assert_allclose(vectors("--threads", n, *SEED), REF["seed_embeddings"],
                                       atol=ATOL, err_msg=f"--threads {n}")

    def test_max_length_truncates_like_sentence_transformers(self):
        np.testing.assert_allclose(vectors("--max-length", "16", *SEED),
                                   GOLD["max_length_16_embeddings"], atol=ATOL)

    def test_no_normalize_skips_the_normalize_module(self):
        np.testing.assert_allclose(vectors("--no-normalize", *SEED),
                                   GOLD["unnormalized_embeddings"], atol=1e-5)
        # --normalize on a model that already normalizes: the default vectors.
        np.testing.assert_allclose(vectors("--normalize", *SEED), REF["seed_embeddings"],
                                   atol=ATOL)

    def test_every_pooling_mode_matches_sentence_transformers(self):
        for mode, want in GOLD["pooling_embeddings"].items():
            np.testing.assert_allclose(vectors("--pooling", mode, *SEED), want, atol=ATOL,
                                       err_msg=f"--pooling {mode}")

    def test_quiet_prints_nothing_on_stderr(self):
        r = ok("embed", "--quiet", *SEED)
        self.assertEqual(r.stderr, b"")
        self.assertEqual(r.stdout, ok("embed", *SEED).stdout)

    def test_token_csv_rows_equal_token_json(self):
        tokens = json.loads(ok("embed", "--output-value", "token", "-f", "json", "hello world",
                               "a b c").stdout)
        rows = [line.split(",") for line in
                ok("embed", "--output-value", "token", "-f", "csv", "hello world", "a b c")
                .stdout.decode().splitlines()]
        self.assertEqual(len(rows), len(tokens[0]) + len(tokens[1]))  # one row per token
        want = [(t, k, v) for t, text in enumerate(tokens) for k, v in enumerate(text)]
        for row, (t, k, v) in zip(rows, want):
            self.assertEqual((int(row[0]), int(row[1])), (t, k))
            np.testing.assert_array_equal(np.array(row[2:], dtype=np.float32),
                                          np.array(v, dtype=np.float32))

    def test_carriage_returns_are_dropped_from_input_lines(self):
        crlf = ("\r\n".join(SEED[:2]) + "\r\n").encode()
        self.assertEqual(ok("embed", stdin=crlf).stdout, ok("embed", *SEED[:2]).stdout)


class Similarity(unittest.TestCase):
    def test_matrix_values_match_sentence_transformers_for_every_metric(self):
        for metric, want in GOLD["matrix"].items():
            got = json.loads(ok("similarity", "--matrix", "--metric", metric, "--json",
                                *SEED).stdout)
            self.assertEqual(got["metric"], metric)
            scale = max(1.0, float(np.abs(want).max()))
            np.testing.assert_allclose(got["scores"], want, atol=ATOL * scale,
                                       err_msg=f"--metric {metric}")

    def test_first_row_for_every_metric(self):
        for metric, want in GOLD["matrix"].items():
            got = json.loads(ok("similarity", "--metric", metric, "--json", *SEED).stdout)
            scale = max(1.0, float(np.abs(want).max()))
            np.testing.assert_allclose(got["scores"], [want[0][1:]], atol=ATOL * scale,
                                       err_msg=f"--metric {metric}")

    def test_search_with_dot_metric_scores_like_dot_score(self):
        with tempfile.TemporaryDirectory() as d:
            corpus = pathlib.Path(d) / "corpus.txt"
            corpus.write_text("\n".join(SEED) + "\n")
            r = ok("search", "--corpus", str(corpus), "--metric", "dot", "--top-k", "4",
                   "--json", SEED[0])
        hits = json.loads(r.stdout.decode().splitlines()[0])["hits"]
        want = GOLD["matrix"]["dot"][0]
        self.assertEqual([h["corpus_id"] for h in hits], list(np.argsort(want)[::-1]))
        for h in hits:
            self.assertAlmostEqual(h["score"], want[h["corpus_id"]], places=6)


class Tokenize(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from tokenizers import Tokenizer
        info = json.loads(ok("info", "--json").stdout)
        model_dir = info.get("model_dir") or info.get("dir") or info["directory"]
        cls.tok = Tokenizer.from_file(str(pathlib.Path(model_dir) / "tokenizer.json"))
        cls.tok.no_padding()
        cls.tok.enable_truncation(256)  # the model's max_seq_length, sembed's default

    def check(self, got, e):
        self.assertEqual(got["input_ids"], e.ids)
        self.assertEqual(got["token_type_ids"], e.type_ids)
        self.assertEqual(got["tokens"], e.tokens)
        self.assertEqual(got["attention_mask"], e.attention_mask)

    def test_no_special_tokens_matches_tokenizers(self):
        lines = ok("tokenize", "--no-special-tokens", *SEED).stdout.decode().splitlines()
        self.assertEqual(len(lines), len(SEED))
        for line, text in zip(lines, SEED):
            self.check(json.loads(line), self.tok.encode(text, add_special_tokens=False))

    def test_pair_arguments_match_tokenizers(self):
        args = [SEED[0], SEED[1], SEED[3], "short"]
        lines = ok("tokenize", "--pair", *args).stdout.decode().splitlines()
        self.assertEqual(len(lines), 2)
        for line, (a, b) in zip(lines, [(args[0], args[1]), (args[2], args[3])]):
            self.check(json.loads(line), self.tok.encode(a, b))

    def test_pair_lines_on_stdin_match_arguments(self):
        stdin = f"{SEED[0]}\t{SEED[1]}\n{SEED[3]}\tshort\n".encode()
        self.assertEqual(ok("tokenize", "--pair", stdin=stdin).stdout,
                         ok("tokenize", "--pair", SEED[0], SEED[1], SEED[3], "short").stdout)

    def test_odd_number_of_pair_arguments_is_an_error(self):
        r = subprocess.run([SEMBED, "tokenize", "--pair", "a", "b", "c"], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith(b"sembed: error:"), r.stderr)


class EmbedCache(unittest.TestCase):
    """`sembed embed --cache DIR`: a re-run embeds only new texts, and every output is
    byte-identical to a run without the cache."""

    TEXTS = ["A man is eating food.", "A man is eating a meal.", "The girl is carrying a baby.",
             "A man is eating food."]

    def run_cached(self, cache, texts, *args):
        r = ok("embed", "-f", "json", "--cache", cache, *args, stdin="".join(t + "\n" for t in texts).encode())
        plain = ok("embed", "-f", "json", *args, stdin="".join(t + "\n" for t in texts).encode())
        self.assertEqual(r.stdout, plain.stdout, args)
        return r.stderr.decode()

    def test_reruns_embed_only_new_texts_and_match_plain_runs(self):
        with tempfile.TemporaryDirectory() as d:
            cache = str(pathlib.Path(d) / "cache")
            self.assertIn("reused 1 of 4 texts", self.run_cached(cache, self.TEXTS))  # a repeat
            more = self.TEXTS + ["A new sentence.", "x" * 3000]
            self.assertIn("reused 4 of 6 texts", self.run_cached(cache, more))
            self.assertIn("reused 6 of 6 texts", self.run_cached(cache, more))
            # Options that change the rows use their own file; prompts and lengths change the key.
            self.assertIn("reused 1 of 6 texts", self.run_cached(cache, more, "--pooling", "cls"))
            self.assertIn("reused 1 of 6 texts", self.run_cached(cache, more, "--prompt", "query: "))
            # Texts that fit in 8 tokens keep their ids, so their rows are reused.
            self.assertIn("reused 4 of 6 texts", self.run_cached(cache, more, "--max-length", "8"))
            self.assertIn("reused 1 of 6 texts", self.run_cached(cache, more, "--no-normalize"))
            files = sorted(pathlib.Path(cache).iterdir())
            self.assertEqual(len(files), 3, files)

    def test_an_interrupted_record_is_dropped_and_a_foreign_file_refused(self):
        with tempfile.TemporaryDirectory() as d:
            cache = pathlib.Path(d)
            self.run_cached(str(cache), self.TEXTS[:2])
            (f,) = cache.iterdir()
            good = f.read_bytes()
            f.write_bytes(good + b"\x05\x00\x00\x00junk")  # a record cut short
            self.assertIn("reused 2 of 3 texts", self.run_cached(str(cache), self.TEXTS[:3]))
            self.assertIn("reused 3 of 3 texts", self.run_cached(str(cache), self.TEXTS[:3]))
            f.write_bytes(b"not a cache")
            r = subprocess.run([SEMBED, "embed", "--cache", str(cache), "a"], capture_output=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn("not a cache file", r.stderr.decode())
            r = subprocess.run([SEMBED, "embed", "--cache", str(cache), "--output-value", "token", "a"],
                               capture_output=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn("--output-value token", r.stderr.decode())


def sts_words(n):
    """n words of the STS benchmark's test sentences, in order (repeated as needed)."""
    words = []
    with open(ROOT / "tests" / "data" / "stsbenchmark" / "sts-test.csv", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 7:
                words += parts[5].split()
    return " ".join((words * (n // len(words) + 1))[:n])


def peak_rss_kib(args, stdin):
    """Runs sembed with stdin, asserts exit 0; returns (stdout bytes, the child's peak RSS)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([SEMBED, *args], stdin=subprocess.PIPE, stdout=out, stderr=err)
        p.stdin.write(stdin)
        p.stdin.close()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        if p.returncode != 0:
            raise AssertionError(f"sembed {' '.join(args)} failed: {err.read().decode()}")
        out.seek(0)
        return out.read(), usage.ru_maxrss


class LongText(unittest.TestCase):
    """`--long-text chunk` on the default model (256 tokens per window): a 10,000-word text embeds
    in the memory a short one takes; its windows cover it with the overlap asked; the first
    window is the truncated text. Exactness of windows against sentence-transformers:
    tests/families/long_text_test.cpp."""

    TEXT = sts_words(10000)

    def test_ten_thousand_words_embed_in_bounded_memory(self):
        # The baseline is the same words as short texts of 10 words: the word-embedding table is
        # read in place from the mapped weight file, so the rows of the tokens met count in RSS,
        # and both runs meet the same tokens. What differs is the long text's windows.
        words = self.TEXT.split()
        short_texts = "\n".join(" ".join(words[i:i + 10]) for i in range(0, len(words), 10))
        _, short_rss = peak_rss_kib(["embed", "-q"], short_texts.encode() + b"\n")
        out, long_rss = peak_rss_kib(["embed", "-q", "--long-text", "chunk"],
                                     self.TEXT.encode() + b"\n")
        vec = np.array(json.loads(out), dtype=np.float32)
        self.assertEqual(vec.shape, (384,))
        self.assertAlmostEqual(float(np.linalg.norm(vec)), 1.0, places=5)
        # The whole text is never one sequence: windows of 256 tokens, 32 at a time.
        self.assertLess(long_rss, short_rss + 64 * 1024, (short_rss, long_rss))

    def test_windows_cover_the_text_and_the_first_is_the_truncated_text(self):
        out = ok("embed", "-q", "--long-text", "chunk", "--chunk-overlap", "16", "--output-value",
                 "chunks", stdin=self.TEXT.encode() + b"\n").stdout
        chunks = json.loads(out)["chunks"]
        self.assertGreater(len(chunks), 40)
        self.assertEqual(chunks[0]["token_begin"], 0)
        for a, b in zip(chunks, chunks[1:]):
            self.assertEqual(a["token_end"] - a["token_begin"], 254)  # 256 less [CLS], [SEP]
            self.assertEqual(a["token_end"] - b["token_begin"], 16)
        self.assertEqual(chunks[-1]["char_end"], len(self.TEXT))
        self.assertEqual(chunks[0]["char_begin"], 0)
        truncated = json.loads(ok("embed", "-q", stdin=self.TEXT.encode() + b"\n").stdout)
        self.assertEqual(chunks[0]["embedding"], truncated)
        whole = vectors("--long-text", "chunk", stdin=self.TEXT.encode() + b"\n")[0]
        self.assertLess(float(np.dot(whole, np.array(truncated, dtype=np.float32))), 0.999)

    def test_bad_values_are_refused_by_name(self):
        for args, message in [(["--long-text", "split"], "unknown long-text mode 'split'"),
                              (["--long-text", "chunk", "--chunk-overlap", "254"],
                               "chunk_overlap 254 must be less than the 254"),
                              (["--output-value", "chunks"], "needs --long-text chunk")]:
            r = subprocess.run([SEMBED, "embed", "-q", *args], input=self.TEXT.encode(),
                               capture_output=True, timeout=300)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(message, r.stderr.decode(), args)


class Dtype(unittest.TestCase):
    """--dtype bf16 / int8 (docs/precision.md): close to sentence-transformers' fp32 seed
    embeddings, or refused by name where the CPU lacks the instructions; sembed info says
    which kernels this CPU runs."""
    NEEDS = {"bf16": "AVX512-BF16", "int8": "AVX512-VNNI"}
    MIN_COSINE = {"bf16": 0.999, "int8": 0.99}

    def test_reduced_precision_is_close_or_refused_by_name(self):
        info = json.loads(ok("info", "--json").stdout)
        for dtype in ("bf16", "int8"):
            kernel = info["matmul_kernels"][dtype]
            r = subprocess.run([SEMBED, "embed", "-f", "json", "--dtype", dtype, *SEED],
                               capture_output=True, timeout=300)
            if not kernel.startswith("brg"):  # this CPU lacks the instructions
                self.assertEqual(r.returncode, 1, dtype)
                self.assertIn(self.NEEDS[dtype], r.stderr.decode(), dtype)
                self.assertNotIn(self.NEEDS[dtype], info["cpu_features"])
                continue
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            got = np.array(json.loads(r.stdout), dtype=np.float64)
            ref = np.array(REF["seed_embeddings"], dtype=np.float64)
            cos = (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
            self.assertGreaterEqual(cos.min(), self.MIN_COSINE[dtype], dtype)
            self.assertFalse(np.array_equal(got, ref), dtype)  # it really ran that dtype

    def test_refused_by_name_where_onednn_may_not_use_the_instructions(self):
        # ONEDNN_MAX_CPU_ISA=AVX2 hides AVX-512 from oneDNN, as on an AVX2-only CPU.
        env = dict(os.environ, ONEDNN_MAX_CPU_ISA="AVX2")
        for dtype in ("bf16", "int8"):
            r = subprocess.run([SEMBED, "embed", "--dtype", dtype, "x"], capture_output=True,
                               timeout=60, env=env)
            self.assertEqual(r.returncode, 1, r.stderr.decode())
            self.assertIn(f"dtype {dtype} needs {self.NEEDS[dtype]}", r.stderr.decode())
        info = subprocess.run([SEMBED, "info", "--json"], capture_output=True, timeout=60, env=env)
        self.assertEqual(info.returncode, 0, info.stderr.decode())
        kernels = json.loads(info.stdout)["matmul_kernels"]
        self.assertTrue(kernels["float32"].startswith("gemm"), kernels)
        self.assertIn("AVX512-VNNI", kernels["int8"])

    def test_float32_is_the_default_and_exact(self):
        self.assertEqual(ok("embed", "--dtype", "float32", *SEED).stdout, ok("embed", *SEED).stdout)

    def test_unknown_dtype_is_an_error_listing_the_choices(self):
        r = subprocess.run([SEMBED, "embed", "--dtype", "fp16", "x"], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown dtype 'fp16' (choose one of float32, bf16, int8, auto)",
                      r.stderr.decode())

    def test_auto_is_int8_where_it_runs_natively_and_float32_elsewhere(self):
        info = json.loads(ok("info", "--json").stdout)
        expected = "int8" if info["matmul_kernels"]["int8"].startswith("brg") else "float32"
        self.assertEqual(info["dtype_auto"], expected)
        self.assertEqual(ok("embed", "--dtype", "auto", *SEED).stdout,
                         ok("embed", "--dtype", expected, *SEED).stdout)
        # Where oneDNN may not use the instructions, auto is float32, never a refusal.
        env = dict(os.environ, ONEDNN_MAX_CPU_ISA="AVX2")
        runs = [subprocess.run([SEMBED, "embed", "--dtype", d, *SEED], capture_output=True,
                               timeout=120, env=env) for d in ("auto", "float32")]
        for r in runs:
            self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(runs[0].stdout, runs[1].stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
