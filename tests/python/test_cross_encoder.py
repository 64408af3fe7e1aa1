"""sembed.CrossEncoder against sentence-transformers' CrossEncoder.predict / rank, on the
random-weight cross-encoder fixtures (tests/fixtures/cross_encoders, from
scripts/make_cross_encoder_fixtures.py): every family, the model's activation, raw logits,
softmax, single pairs, rank with top_k and documents; and what is refused."""
import json
import pathlib
import pickle

import numpy as np
import pytest

import sembed

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "cross_encoders"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "reference.json").exists())
ATOL = 1e-5  # the bar against CrossEncoder.predict


class Identity:  # what sembed recognizes of torch.nn.Identity: its class name
    pass


Identity.__name__ = "Identity"


def reference(name):
    return json.loads((FIXTURES / name / "reference.json").read_text())


def case(ref, activation, softmax=False):
    for c in ref["cases"]:
        if c["activation"] == activation and c["apply_softmax"] == softmax:
            return np.array(c["scores"], dtype=np.float64)
    raise KeyError(activation)


@pytest.mark.parametrize("name", NAMES)
def test_predict_matches_sentence_transformers(name):
    ref = reference(name)
    ce = sembed.CrossEncoder(str(FIXTURES / name))
    assert ce.max_length == ref["max_length"]
    assert ce.num_labels == ref["num_labels"]
    pairs = [tuple(p) for p in ref["pairs"]]
    got = ce.predict(pairs, batch_size=3)
    want = case(ref, "default")
    assert got.dtype == np.float32
    assert got.shape == ((len(pairs),) if ref["num_labels"] == 1 else want.shape)
    np.testing.assert_allclose(got.reshape(want.shape), want, atol=ATOL, rtol=0)
    raw = ce.predict(pairs, activation_fn=Identity())
    np.testing.assert_allclose(raw.reshape(want.shape), case(ref, "identity"), atol=ATOL, rtol=0)
    if ref["num_labels"] > 1 and any(c["apply_softmax"] for c in ref["cases"]):
        soft = ce.predict(pairs, apply_softmax=True)
        np.testing.assert_allclose(soft, case(ref, "default", softmax=True), atol=ATOL, rtol=0)
    # One pair alone: one score (or one row), the same as in the batch.
    one = ce.predict(list(ref["pairs"][0]))
    np.testing.assert_array_equal(np.atleast_1d(one), np.atleast_1d(got[0]))


@pytest.mark.parametrize("name", [n for n in NAMES if "rank" in reference(n)])
def test_rank_matches_sentence_transformers(name):
    r = reference(name)["rank"]
    ce = sembed.CrossEncoder(str(FIXTURES / name))
    ranked = ce.rank(r["query"], r["documents"], return_documents=True)
    assert [h["corpus_id"] for h in ranked] == [h["corpus_id"] for h in r["results"]]
    np.testing.assert_allclose([h["score"] for h in ranked], [h["score"] for h in r["results"]],
                               atol=ATOL, rtol=0)
    assert [h["text"] for h in ranked] == [r["documents"][h["corpus_id"]] for h in r["results"]]
    top = ce.rank(r["query"], r["documents"], top_k=2)
    assert [h["corpus_id"] for h in top] == [h["corpus_id"] for h in r["results"][:2]]
    assert "text" not in top[0]


def test_sigmoid_activation_on_a_logit_model_and_callables():
    ref = reference("bert-legacy")  # Identity by default (config.json's old field)
    ce = sembed.CrossEncoder(str(FIXTURES / "bert-legacy"))
    pairs = ref["pairs"]
    logits = case(ref, "default")[:, 0]
    np.testing.assert_allclose(ce.predict(pairs), logits, atol=ATOL, rtol=0)

    class Sigmoid:
        pass

    Sigmoid.__name__ = "Sigmoid"
    np.testing.assert_allclose(ce.predict(pairs, activation_fn=Sigmoid()), 1 / (1 + np.exp(-logits)),
                               atol=ATOL, rtol=0)
    np.testing.assert_allclose(ce.predict(pairs, activation_fn=lambda x: 2 * x), 2 * logits,
                               atol=2 * ATOL, rtol=0)


def test_info_labels_pickle_and_refusals():
    nli = sembed.CrossEncoder(str(FIXTURES / "bert-nli"))
    assert nli.labels == ["contradiction", "entailment", "neutral"]
    assert nli.info["activation"] == "Identity"
    with pytest.raises(ValueError, match="num_labels=1"):
        nli.rank("q", ["a"])
    ce = sembed.CrossEncoder(str(FIXTURES / "bert"))
    again = pickle.loads(pickle.dumps(ce))
    assert again.predict(["a", "b"]) == ce.predict(["a", "b"])
    with pytest.raises(ValueError, match="convert_to_tensor"):
        ce.predict([("a", "b")], convert_to_tensor=True)
    with pytest.raises(ValueError, match="prompt"):
        ce.predict([("a", "b")], prompt="x: ")
    with pytest.raises(ValueError, match="not a \\[text, text_pair\\]"):
        ce.predict([("a", "b", "c")])
    with pytest.raises(ValueError, match="is not a cross-encoder"):
        sembed.CrossEncoder(str(ROOT / "tests" / "fixtures" / "families" / "bert-dense"))
    with pytest.raises(ValueError, match="device"):
        sembed.CrossEncoder(str(FIXTURES / "bert"), device="cuda")
    with pytest.raises(ValueError, match="num_labels"):
        sembed.CrossEncoder(str(FIXTURES / "bert"), num_labels=3)
    with pytest.raises(ValueError, match="not valid Unicode"):
        ce.predict([("\udcff", "b")])
    short = sembed.CrossEncoder(str(FIXTURES / "bert"), max_length=8)
    assert short.max_length == 8
    assert short.predict([("a " * 50, "b " * 50)]).shape == (1,)
