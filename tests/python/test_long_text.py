"""encode(long_text="chunk", chunk_overlap=N) and encode(output_value="chunks") against the
goldens sentence-transformers produced on the same token windows (tests/golden/long_text.json,
scripts/make_long_text_golden.py), on every family fixture it covers; the same bound as the C++
tests (docs/long-text.md): 1e-5 of the largest value."""
import json
import pathlib

import numpy as np
import pytest

import sembed

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "long_text.json").read_text())["fixtures"]
BOUND = 1e-5


def rel_diff(got, want):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)


@pytest.mark.parametrize("fixture", GOLDEN, ids=[f["name"] for f in GOLDEN])
def test_chunk_mode_matches_sentence_transformers(fixture):
    model = sembed.SentenceTransformer(str(ROOT / "tests" / "fixtures" / "families" / fixture["name"]))
    assert model.max_seq_length == fixture["max_seq_length"]
    for case in fixture["cases"]:
        texts = [t["text"] for t in case["texts"]]
        kw = dict(prompt_name=case["prompt_name"], chunk_overlap=case["overlap"])
        got = model.encode(texts, long_text="chunk", **kw)
        chunks = model.encode(texts, output_value="chunks", **kw)
        assert len(chunks) == len(texts)
        for t, g, c in zip(case["texts"], got, chunks):
            assert rel_diff(g, t["embedding"]) <= BOUND, (fixture["name"], case["overlap"])
            want = t["chunks"]
            for key in ("token_begin", "token_end", "char_begin", "char_end"):
                assert c[key] == [w[key] for w in want], key
            assert c["embeddings"].shape == (len(want), len(t["embedding"]))
            assert rel_diff(c["embeddings"], [w["embedding"] for w in want]) <= BOUND


def test_truncate_is_the_default_and_a_short_text_is_the_same_in_both_modes(model, texts):
    a = model.encode(texts[:8])
    np.testing.assert_array_equal(a, model.encode(texts[:8], long_text="truncate"))
    np.testing.assert_array_equal(a, model.encode(texts[:8], long_text="chunk"))
    single = model.encode(texts[0], output_value="chunks")
    assert single["embeddings"].shape == (1, a.shape[1])


def test_bad_long_text_arguments_are_refused(model):
    with pytest.raises(ValueError, match="long_text='split'"):
        model.encode(["x"], long_text="split")
    with pytest.raises(ValueError, match="chunk_overlap must be a non-negative integer"):
        model.encode(["x"], long_text="chunk", chunk_overlap=-1)
    with pytest.raises(ValueError, match="overlap"):  # the engine: no new tokens per window
        model.encode(["word " * 400], long_text="chunk", chunk_overlap=10_000)
    with pytest.raises(ValueError, match="precision, normalize_embeddings and truncate_dim"):
        model.encode(["x"], output_value="chunks", precision="int8")
