#!/usr/bin/env python3
"""`sembed rerank` and `sembed predict` through the real binary on every cross-encoder fixture
(tests/fixtures/cross_encoders, scripts/make_cross_encoder_fixtures.py), against
sentence-transformers' CrossEncoder.rank / predict values in each fixture's reference.json; and
their bad input. Each call's exit status is checked before its output is read.

Usage: cli_cross_encoder_test.py PATH/TO/sembed
"""
import json
import pathlib
import subprocess
import sys
import unittest

import numpy as np

SEMBED = sys.argv.pop(1) if len(sys.argv) > 1 else "build/sembed"
ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "cross_encoders"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "reference.json").exists())
ATOL = 1e-5  # the bar against CrossEncoder.predict


def run(*args, stdin=None):
    return subprocess.run([SEMBED, *args], input=stdin, capture_output=True, timeout=300)


def ok(*args, stdin=None):
    r = run(*args, stdin=stdin)
    if r.returncode != 0:
        raise AssertionError(f"sembed {' '.join(args)[:200]} exited {r.returncode}: "
                             f"{r.stderr.decode(errors='replace')}")
    return r


def reference(name):
    return json.loads((FIXTURES / name / "reference.json").read_text())


def case(ref, activation, softmax=False):
    for c in ref["cases"]:
        if c["activation"] == activation and c["apply_softmax"] == softmax:
            return np.array(c["scores"], dtype=np.float64)
    raise KeyError(activation)


def json_lines(r):
    return [json.loads(line) for line in r.stdout.decode().splitlines()]


class Predict(unittest.TestCase):
    def test_every_fixture_from_stdin_pairs(self):
        for name in NAMES:
            with self.subTest(name):
                ref = reference(name)
                if any("\t" in a or "\t" in b or "\n" in a + b for a, b in ref["pairs"]):
                    self.fail("fixture texts must fit one TSV line")
                tsv = "".join(f"{a}\t{b}\n" for a, b in ref["pairs"]).encode()
                for activation, flags in (("default", []), ("identity", ["--raw-scores"])):
                    out = ok("predict", "-m", str(FIXTURES / name), "-q", *flags, stdin=tsv)
                    got = np.array([[float(v) for v in line.split()]
                                    for line in out.stdout.decode().splitlines()])
                    np.testing.assert_allclose(got, case(ref, activation), atol=ATOL, rtol=0)

    def test_arguments_json_labels_and_softmax(self):
        ref = reference("bert-nli")
        args = [t for pair in ref["pairs"] for t in pair]
        rows = json_lines(ok("predict", "-m", str(FIXTURES / "bert-nli"), "--json", "--softmax",
                             *args))
        expected = case(ref, "default", softmax=True)
        labels = ["contradiction", "entailment", "neutral"]
        self.assertEqual([r["pair"] for r in rows], list(range(len(ref["pairs"]))))
        np.testing.assert_allclose([r["scores"] for r in rows], expected, atol=ATOL, rtol=0)
        self.assertEqual([r["label"] for r in rows], [labels[i] for i in expected.argmax(1)])

    def test_one_label_json(self):
        ref = reference("bert")
        a, b = ref["pairs"][0]
        rows = json_lines(ok("predict", "-m", str(FIXTURES / "bert"), "--json", a, b))
        self.assertEqual(len(rows), 1)
        self.assertAlmostEqual(rows[0]["score"], case(ref, "default")[0][0], delta=ATOL)


class Rerank(unittest.TestCase):
    def test_every_one_label_fixture(self):
        for name in NAMES:
            ref = reference(name)
            if "rank" not in ref:
                continue
            with self.subTest(name):
                r = ref["rank"]
                rows = json_lines(ok("rerank", "-m", str(FIXTURES / name), "--json",
                                     "--return-text", r["query"], *r["documents"]))
                self.assertEqual([x["corpus_id"] for x in rows],
                                 [x["corpus_id"] for x in r["results"]])
                np.testing.assert_allclose([x["score"] for x in rows],
                                           [x["score"] for x in r["results"]], atol=ATOL, rtol=0)
                self.assertEqual([x["text"] for x in rows],
                                 [r["documents"][x["corpus_id"]] for x in r["results"]])

    def test_documents_from_stdin_and_top_k(self):
        r = reference("bert")["rank"]
        docs = "".join(d + "\n" for d in r["documents"]).encode()
        out = ok("rerank", "-m", str(FIXTURES / "bert"), "-k", "2", r["query"], stdin=docs)
        lines = out.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2)
        best = r["results"][0]
        self.assertTrue(lines[0].startswith("1. "), lines[0])
        self.assertIn(f"[document {best['corpus_id']}]", lines[0])


class BadInput(unittest.TestCase):
    def fails(self, *args, stdin=None, says):
        r = run(*args, stdin=stdin)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(says, r.stderr.decode())

    def test_errors_name_the_problem(self):
        bert = str(FIXTURES / "bert")
        embedding = str(ROOT / "tests" / "fixtures" / "families" / "bert-dense")
        self.fails("rerank", "q", "d", says="--model DIR is required")
        self.fails("rerank", "-m", embedding, "q", "d", says="is not a cross-encoder")
        self.fails("embed", "-m", bert, "text", says="is a cross-encoder")
        self.fails("rerank", "-m", str(FIXTURES / "bert-nli"), "q", "d", says="one label")
        self.fails("predict", "-m", bert, "a", "b", "c", says="an even number of texts")
        self.fails("predict", "-m", bert, stdin=b"no tab here\n", says="line 1")
        self.fails("predict", "-m", bert, b"\xff", "b", says="argument 1: invalid UTF-8")
        self.fails("predict", "-m", bert, stdin=b"a\t\xff\n", says="invalid UTF-8")
        self.fails("rerank", "-m", bert, "--max-length", "100000", "q", "d", says="max_length")


if __name__ == "__main__":
    unittest.main()
