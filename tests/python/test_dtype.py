"""SentenceTransformer(dtype=...): the reduced-precision engines from Python, against
sentence-transformers' fp32 embeddings (tests/golden/python_st.npz, the "encode" array). The
bars are docs/precision.md's; on a CPU without the instructions a dtype needs, the constructor
must raise ValueError naming them."""
import pickle

import numpy as np
import pytest

import sembed

NEEDS = {"bf16": "AVX512-BF16", "int8": "AVX512-VNNI"}
MIN_COSINE = {"bf16": 0.999, "int8": 0.99}


def load_or_refusal(dtype):
    try:
        return sembed.SentenceTransformer(dtype=dtype)
    except ValueError as e:
        assert NEEDS[dtype] in str(e), str(e)
        return None


@pytest.mark.parametrize("dtype", ["bf16", "int8"])
def test_reduced_precision_is_close_to_sentence_transformers(dtype, golden, texts):
    model = load_or_refusal(dtype)
    if model is None:
        return
    got = model.encode(texts)
    ref = golden["encode"]
    cos = (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
    assert cos.min() >= MIN_COSINE[dtype], cos.min()
    # The engine really runs that dtype: not bit-identical to fp32.
    assert not np.array_equal(got, sembed.SentenceTransformer().encode(texts))


@pytest.mark.parametrize("dtype", ["bf16", "int8"])
def test_pickle_keeps_the_dtype(dtype, texts):
    model = load_or_refusal(dtype)
    if model is None:
        return
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.encode(texts[:5]), model.encode(texts[:5]))


def test_unknown_dtype_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown dtype 'fp64'.*float32, bf16, int8, auto"):
        sembed.SentenceTransformer(dtype="fp64")


def test_auto_runs_int8_where_it_loads_and_float32_elsewhere(texts):
    model = sembed.SentenceTransformer(dtype="auto")
    expected = "int8" if load_or_refusal("int8") is not None else "float32"
    assert model.info["dtype"] == expected
    named = sembed.SentenceTransformer(dtype=expected)
    np.testing.assert_array_equal(model.encode(texts[:5]), named.encode(texts[:5]))
    again = pickle.loads(pickle.dumps(model))  # keeps asking for auto
    assert again.info["dtype"] == expected
