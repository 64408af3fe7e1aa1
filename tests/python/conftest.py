"""Shared fixtures of the Python package tests: the default model (loaded once) and the goldens
that sentence-transformers produced (scripts/make_python_goldens.py, tests/golden/)."""
import csv
import pathlib

import numpy as np
import pytest

import sembed

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="session")
def model():
    return sembed.SentenceTransformer()


@pytest.fixture(scope="session")
def golden():
    with np.load(GOLDEN / "python_st.npz") as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="session")
def texts(golden):
    return [str(t) for t in golden["texts"]]


@pytest.fixture(scope="session")
def sts_sentences():
    """Every STS-B test sentence in the order of tests/golden/minilm_sts_test.npy."""
    texts = []
    with open(ROOT / "tests" / "data" / "stsbenchmark" / "sts-test.csv", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            texts.extend([row[5], row[6]])
    return texts


def cosines(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True).clip(1e-12)
    b = b / np.linalg.norm(b, axis=1, keepdims=True).clip(1e-12)
    return (a * b).sum(axis=1)
