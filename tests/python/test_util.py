"""sembed.util against sentence_transformers.util on the same inputs (sentence-transformers'
embeddings from the golden file; outputs produced by scripts/make_python_goldens.py)."""
import numpy as np
import pytest

from sembed import util


@pytest.fixture(scope="module")
def emb(golden):
    return golden["encode"]


@pytest.mark.parametrize("name", ["cos_sim", "dot_score", "euclidean_sim", "manhattan_sim"])
def test_similarity_matrices(golden, emb, name):
    ours = getattr(util, name)(emb[:8], emb[8:])
    theirs = golden["util_" + name]
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert np.allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["cos_sim", "dot_score", "euclidean_sim", "manhattan_sim"])
def test_pairwise(golden, emb, name):
    ours = getattr(util, "pairwise_" + name)(emb[:20], emb[20:40])
    assert np.allclose(ours, golden["util_pairwise_" + name], rtol=1e-5, atol=1e-6)


def test_one_vector_is_one_row(emb):
    assert util.cos_sim(emb[0], emb[:3]).shape == (1, 3)
    assert util.cos_sim(list(emb[:2]), emb[:3]).shape == (2, 3)


def test_semantic_search(golden, emb):
    hits = util.semantic_search(emb[:8], emb[8:], top_k=5)
    assert [[h["corpus_id"] for h in q] for q in hits] == golden["util_semantic_search_ids"].tolist()
    scores = np.array([[h["score"] for h in q] for q in hits])
    assert np.allclose(scores, golden["util_semantic_search_scores"], atol=1e-6)
    chunked = util.semantic_search(emb[:8], emb[8:], top_k=4, query_chunk_size=3, corpus_chunk_size=7,
                                   score_function=util.dot_score)
    assert [[h["corpus_id"] for h in q] for q in chunked] == golden["util_semantic_search_dot_chunked_ids"].tolist()


def test_paraphrase_mining(golden, emb):
    ours = util.paraphrase_mining_embeddings(emb, top_k=3, max_pairs=25, query_chunk_size=10, corpus_chunk_size=13)
    theirs = golden["util_paraphrase_mining"]
    assert len(ours) == len(theirs)
    assert [(int(i), int(j)) for _, i, j in ours] == [(int(i), int(j)) for _, i, j in theirs]
    assert np.allclose([s for s, _, _ in ours], theirs[:, 0], atol=1e-6)


def test_paraphrase_mining_encodes_with_the_model(model, texts, emb):
    pairs = util.paraphrase_mining(model, texts, top_k=3, max_pairs=25)
    assert pairs == util.paraphrase_mining_embeddings(model.encode(texts), top_k=3, max_pairs=25)


def test_community_detection(golden):
    ours = util.community_detection(golden["util_community_input"], threshold=0.8, min_community_size=3, batch_size=7)
    sizes = golden["util_community_sizes"].tolist()
    assert [len(c) for c in ours] == sizes
    assert [i for c in ours for i in c] == golden["util_community_flat"].tolist()
    assert util.community_detection(np.zeros((0, 4))) == []


@pytest.mark.parametrize("precision", ["float32", "int8", "uint8", "binary", "ubinary"])
def test_quantize_embeddings(golden, emb, precision):
    ours = util.quantize_embeddings(emb, precision)
    theirs = golden["util_quantize_" + precision]
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


def test_quantize_with_calibration_and_ranges(golden, emb):
    assert np.array_equal(util.quantize_embeddings(emb[:10], "int8", calibration_embeddings=emb),
                          golden["util_quantize_int8_calibrated"])
    assert np.array_equal(util.quantize_embeddings(emb[:10], "uint8", ranges=golden["util_quantize_ranges"]),
                          golden["util_quantize_uint8_ranges"])


def test_quantize_refuses_what_sentence_transformers_refuses(emb):
    with pytest.raises(ValueError, match="single embedding"):
        util.quantize_embeddings(emb[:1], "int8")
    with pytest.raises(ValueError, match="not supported"):
        util.quantize_embeddings(emb, "int4")
    with pytest.raises(ValueError, match="must be float"):
        util.quantize_embeddings(emb.astype(np.int8), "binary")
