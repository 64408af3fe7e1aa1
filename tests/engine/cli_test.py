#!/usr/bin/env python3
"""Tests of the `sembed embed | similarity | search` commands on the default model: output
formats agree with each other and with sentence-transformers' golden outputs, and bad input gets
a clear error, a non-zero exit and no half-written file.

Usage: cli_test.py PATH/TO/sembed   (golden files from scripts/make_sentence_transformers_golden.py)
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
sys.path.insert(0, str(ROOT / "scripts"))
from model_variants import make_lowercasing_variant  # noqa: E402
REF = json.loads((ROOT / "tests" / "golden" / "minilm_reference.json").read_text())
SEED = [
    "Today's consumers want options that help them take control of their financial lives on the go. CardValet from Fiserv is a mobile app that allows financial institutions to deliver the experiences consumers expect by enabling them to define when, where and how their cards are used.",
    "Consumer’s want options that let them take control of their financial lives on the go. CardValet from Fiserv is a mobile app that helps banks deliver consumer experiences by enabling them to define when, where and how their cards are used.",
    "CardValet from Fiserv is a mobile app that consumers expect them to enable their cards and define when their cards are used. CardValet can be used as A branded app that can be integrated via single sign-on with your mobile banking platform giving cardholders a seamless banking experience",
    "Standing on one's head at job interviews forms a lasting impression.",
]


def REF_MODEL_DIR():
    """Where the default model is, as `sembed info --json` reports it."""
    info = json.loads(ok("info", "--json").stdout)
    return info.get("model_dir") or info.get("dir") or info["directory"]


def run(*args, stdin=None, env=None):
    return subprocess.run([SEMBED, *args], input=stdin, capture_output=True, env=env, timeout=300)


def ok(*args, stdin=None, env=None):
    """run(), asserting exit status 0 before anyone reads the output."""
    r = run(*args, stdin=stdin, env=env)
    if r.returncode != 0:
        raise AssertionError(f"sembed {' '.join(args)[:200]} exited {r.returncode}: "
                             f"{r.stderr.decode(errors='replace')}")
    return r


class Formats(unittest.TestCase):
    def test_npy_matches_sentence_transformers(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "seed.npy")
            r = run("embed", "--format", "npy", "--output", out, *SEED)
            self.assertEqual(r.returncode, 0, r.stderr)
            emb = np.load(out)
        self.assertEqual(emb.dtype, np.float32)
        np.testing.assert_allclose(emb, np.array(REF["seed_embeddings"], dtype=np.float32), atol=1e-6)

    def test_text_formats_round_trip_to_the_same_float32(self):
        with tempfile.TemporaryDirectory() as d:
            npy = os.path.join(d, "e.npy")
            self.assertEqual(run("embed", "-f", "npy", "-o", npy, *SEED).returncode, 0)
            exact = np.load(npy)
        jsonl = ok("embed", "-f", "jsonl", *SEED)
        rows = [json.loads(line) for line in jsonl.stdout.decode().splitlines()]
        np.testing.assert_array_equal(np.array(rows, dtype=np.float32), exact)
        js = json.loads(ok("embed", "-f", "json", *SEED).stdout)
        np.testing.assert_array_equal(np.array(js, dtype=np.float32), exact)
        csv_rows = [[float(x) for x in line.split(",")] for line in ok("embed", "-f", "csv", *SEED).stdout.decode().splitlines()]
        np.testing.assert_array_equal(np.array(csv_rows, dtype=np.float32), exact)

    def test_stdin_lines_equal_arguments(self):
        a = ok("embed", *SEED[:2]).stdout
        b = ok("embed", stdin=("\n".join(SEED[:2]) + "\n").encode()).stdout
        self.assertEqual(a, b)

    def test_token_output_has_one_vector_per_token(self):
        r = run("embed", "--output-value", "token", "-f", "json", "hello world")
        self.assertEqual(r.returncode, 0, r.stderr)
        tokens = json.loads(r.stdout)[0]
        self.assertEqual(len(tokens), 4)  # [CLS] hello world [SEP]
        self.assertEqual(len(tokens[0]), 384)
        mean = np.mean(np.array(tokens, dtype=np.float32), axis=0)
        unnormalized = json.loads(ok("embed", "--no-normalize", "-f", "json", "hello world").stdout)[0]
        np.testing.assert_allclose(mean, unnormalized, atol=1e-6)

    def test_edge_texts_match_sentence_transformers(self):
        r = run("embed", "-f", "json", *REF["edge_texts"])
        self.assertEqual(r.returncode, 0, r.stderr)
        np.testing.assert_allclose(np.array(json.loads(r.stdout)), np.array(REF["edge_embeddings"]), atol=1e-6)


class DoLowerCase(unittest.TestCase):
    def test_lowercasing_before_a_cased_tokenizer_matches_sentence_transformers(self):
        # The variant scripts/make_sentence_transformers_golden.py made the golden vectors with.
        with tempfile.TemporaryDirectory() as d:
            dest = make_lowercasing_variant(REF_MODEL_DIR(), pathlib.Path(d) / "m")
            r = run("embed", "--model", str(dest), "-f", "json", *REF["do_lower_case_texts"])
        self.assertEqual(r.returncode, 0, r.stderr)
        np.testing.assert_allclose(np.array(json.loads(r.stdout)), np.array(REF["do_lower_case_embeddings"]), atol=1e-6)


class Similarity(unittest.TestCase):
    def test_seed_row_matches_sentence_transformers(self):
        r = run("similarity", "--json", *SEED)
        self.assertEqual(r.returncode, 0, r.stderr)
        row = json.loads(r.stdout)["scores"][0]
        np.testing.assert_allclose(row, REF["seed_cosine_row"], atol=1e-6)
        text = ok("similarity", *SEED).stdout.decode()
        self.assertIn("text 0 vs text 3", text)

    def test_matrix_is_symmetric_with_unit_diagonal(self):
        r = ok("similarity", "--matrix", "--json", *SEED)
        m = np.array(json.loads(r.stdout)["scores"])
        self.assertEqual(m.shape, (4, 4))
        np.testing.assert_allclose(m, m.T, atol=1e-6)
        np.testing.assert_allclose(np.diag(m), 1.0, atol=1e-6)

    def test_one_text_is_an_error(self):
        r = run("similarity", "alone")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"at least two texts", r.stderr)


class Search(unittest.TestCase):
    def test_each_corpus_line_finds_itself_first(self):
        with tempfile.TemporaryDirectory() as d:
            corpus = os.path.join(d, "corpus.txt")
            pathlib.Path(corpus).write_text("\n".join(SEED) + "\n")
            r = run("search", "--corpus", corpus, "--top-k", "2", "--json", SEED[3], SEED[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        results = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual([q["hits"][0]["corpus_id"] for q in results], [3, 0])
        self.assertEqual(len(results[0]["hits"]), 2)
        # Query 1 is sentence 0: its second hit is sentence 1, at the seed row's first score.
        self.assertEqual(results[1]["hits"][1]["corpus_id"], 1)
        self.assertAlmostEqual(results[1]["hits"][1]["score"], REF["seed_cosine_row"][0], places=6)


class BadInput(unittest.TestCase):
    def assert_fails(self, r, *needles):
        self.assertEqual(r.returncode, 1)  # docs/cli.md: errors exit with status 1
        err = r.stderr.decode(errors="replace")
        self.assertTrue(err.startswith("sembed: error:"), err)
        for n in needles:
            self.assertIn(n, err)

    def test_invalid_utf8_names_the_line(self):
        r = run("embed", stdin=b"fine\nalso fine\nbroken \xc3\x28 here\n")
        self.assert_fails(r, "line 3", "invalid UTF-8", "byte 7")

    def test_too_long_without_truncation_names_the_input(self):
        r = run("embed", "--no-truncate", "short", " ".join(["word"] * 400))
        self.assert_fails(r, "input 1", "max_length 256")

    def test_missing_model_lists_where_it_looked(self):
        env = dict(os.environ, SEMBED_MODEL="/nonexistent/model-dir")
        r = run("embed", "hello", env=env)
        self.assert_fails(r, "/nonexistent/model-dir")
        r = run("embed", "--model", "/nonexistent/other", "hello")
        self.assert_fails(r, "/nonexistent/other")

    def test_unwritable_output_leaves_nothing(self):
        r = run("embed", "-o", "/nonexistent-dir/out.npy", "-f", "npy", "hello")
        self.assert_fails(r, "/nonexistent-dir/out.npy")

    def test_failed_encode_leaves_no_output_file(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.jsonl")
            r = run("embed", "-o", out, stdin=b"fine\n\xff\n")
            self.assert_fails(r, "line 2")
            self.assertEqual(os.listdir(d), [])

    def test_npy_token_output_is_refused(self):
        self.assert_fails(run("embed", "-f", "npy", "--output-value", "token", "x"), "token")

    def test_unknown_pooling_and_format(self):
        self.assert_fails(run("embed", "--pooling", "median", "x"), "median")
        self.assert_fails(run("embed", "--format", "xml", "x"), "xml")


if __name__ == "__main__":
    unittest.main(verbosity=2)
