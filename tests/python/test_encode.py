"""sembed.SentenceTransformer.encode against sentence-transformers' own outputs, argument by
argument (goldens: scripts/make_python_goldens.py and make_sentence_transformers_golden.py)."""
import sys

import numpy as np
import pytest

from conftest import GOLDEN, ROOT, cosines
import sembed

# The bars for float embeddings.
MIN_COSINE = 0.99999
MAX_ABS = 1e-5


def assert_close(ours, theirs):
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.abs(ours - theirs).max() <= MAX_ABS
    norms = np.linalg.norm(theirs, axis=1)
    nonzero = norms > 1e-6
    assert cosines(ours[nonzero], theirs[nonzero]).min() >= MIN_COSINE


def test_all_sts_b_test_sentences(model, sts_sentences):
    theirs = np.load(GOLDEN / "minilm_sts_test.npy")
    ours = model.encode(sts_sentences)
    assert ours.shape == (2758, 384)
    assert_close(ours, theirs)


@pytest.mark.parametrize("case", ["normalize", "truncate128", "truncate128_normalize", "prompt_query", "batch3"])
def test_float_arguments(model, golden, texts, case):
    kwargs = {
        "normalize": dict(normalize_embeddings=True),
        "truncate128": dict(truncate_dim=128),
        "truncate128_normalize": dict(truncate_dim=128, normalize_embeddings=True),
        "prompt_query": dict(prompt="query: "),
        "batch3": dict(batch_size=3),
    }[case]
    assert_close(model.encode(texts, **kwargs), golden["encode_" + case])


def test_default_and_single_string(model, golden, texts):
    assert_close(model.encode(texts), golden["encode"])
    single = model.encode(texts[0])
    assert single.shape == golden["encode_single"].shape == (384,)
    assert np.abs(single - golden["encode_single"]).max() <= MAX_ABS


def test_order_kept_and_independent_of_batching(model, texts):
    reference = model.encode(texts)
    shuffled = list(reversed(texts))
    assert np.array_equal(model.encode(shuffled, batch_size=5), reference[::-1])


@pytest.mark.parametrize("precision", ["int8", "uint8", "binary", "ubinary"])
@pytest.mark.parametrize("extra", ["", "_truncate64_normalize"])
def test_precision(model, golden, texts, precision, extra):
    kwargs = dict(precision=precision)
    if extra:
        kwargs.update(truncate_dim=64, normalize_embeddings=True)
    ours = model.encode(texts, **kwargs)
    theirs = golden["encode_" + precision + extra]
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    # Exactly quantize_embeddings of our float embeddings with this call's ranges...
    floats = model.encode(texts, truncate_dim=64 if extra else None, normalize_embeddings=bool(extra))
    assert np.array_equal(ours, sembed.util.quantize_embeddings(floats, precision))
    # ...and sentence-transformers' result: float differences of ~1e-7 may move a value across a
    # bucket edge or a zero, nothing more.
    if precision.endswith("int8"):
        diff = np.abs(ours.astype(np.int16) - theirs.astype(np.int16))
        assert diff.max() <= 1 and (diff == 0).mean() >= 0.999
    else:
        assert (np.unpackbits(ours.view(np.uint8)) != np.unpackbits(theirs.view(np.uint8))).mean() <= 1e-4


def test_convert_to_numpy_false_gives_list_of_vectors(model, golden, texts):
    rows = model.encode(texts[:4], convert_to_numpy=False)
    assert isinstance(rows, list) and len(rows) == 4 and rows[0].shape == (384,)
    assert_close(np.stack(rows), golden["encode"][:4])


def test_token_embeddings(model, golden):
    token_texts = [str(t) for t in golden["token_texts"]]
    ours = model.encode(token_texts, output_value="token_embeddings")
    lengths = golden["token_lengths"]
    assert [len(t) for t in ours] == lengths.tolist()
    assert_close(np.concatenate(ours), golden["token_embeddings"])


def test_tokenize(model, golden):
    features = model.tokenize([str(t) for t in golden["token_texts"]])
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert np.array_equal(features[key], golden["tokenize_" + key]), key


def test_model_facts(model):
    assert model.get_sentence_embedding_dimension() == 384
    assert model.max_seq_length == 256
    assert model.similarity_fn_name == "cosine"
    assert model.prompts == {"query": "", "document": ""}
    with model.truncate_embeddings(32):
        assert model.get_sentence_embedding_dimension() == 32
        assert model.encode(["a b"]).shape == (1, 32)
    assert model.encode(["a b"]).shape == (1, 384)


def test_query_and_document_prompts(golden, texts):
    m = sembed.SentenceTransformer(prompts={"query": "query: ", "passage": "passage: "})
    assert_close(m.encode_query(texts), golden["encode_prompt_query"])
    # encode_document picks "document" first ("" here, as sentence-transformers fills it in).
    assert_close(m.encode_document(texts), golden["encode"])
    assert_close(m.encode(texts, prompt_name="query"), golden["encode_prompt_query"])
    d = sembed.SentenceTransformer(prompts={"query": "query: "}, default_prompt_name="query")
    assert_close(d.encode(texts), golden["encode_prompt_query"])


def test_max_seq_length_setter(model):
    m = sembed.SentenceTransformer()
    long_text = "word " * 300
    m.max_seq_length = 16
    assert m.tokenize([long_text])["input_ids"].shape == (1, 16)
    short = m.encode([long_text])
    assert np.allclose(short, model.encode([" ".join(["word"] * 14)]), atol=1e-6)


@pytest.fixture(scope="module")
def prompt_model(model, tmp_path_factory):
    """The default model with saved prompts and include_prompt: false (scripts/model_variants.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from model_variants import make_prompt_variant

    return sembed.SentenceTransformer(str(make_prompt_variant(model.model_dir, tmp_path_factory.mktemp("v") / "m")))


def test_saved_prompts_and_pooling_without_prompt_tokens(prompt_model, golden, texts):
    assert prompt_model.prompts == {"query": "query: ", "document": "passage: "}
    assert_close(prompt_model.encode_query(texts[:12]), golden["prompt_variant_query"])
    assert_close(prompt_model.encode_document(texts[:12]), golden["prompt_variant_document"])
    assert_close(prompt_model.encode(texts[:12]), golden["prompt_variant_plain"])
    assert_close(prompt_model.encode(texts[:12], prompt="search: "), golden["prompt_variant_custom"])
    tokens = prompt_model.encode(texts[:3], prompt="search: ", output_value="token_embeddings")
    assert_close(np.concatenate(tokens), golden["prompt_variant_tokens"])
