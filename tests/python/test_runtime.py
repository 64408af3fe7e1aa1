"""The model as a Python object: pickling, concurrent callers, fork (refused clearly) and spawned
workers, thread defaults, zero-copy results, and the errors bad arguments raise."""
import os
import pickle
import threading

import numpy as np
import pytest

import sembed
from sembed import _threads


def test_result_array_owns_no_copy(model):
    out = model.encode(["a", "b"])
    # The floats belong to the C++ result (a capsule), not to a numpy-made buffer.
    assert not out.flags["OWNDATA"] and out.base is not None
    assert out.flags["C_CONTIGUOUS"] and out.dtype == np.float32


def test_pickle_reopens_the_directory(model, texts):
    model.similarity_fn_name = "dot"
    try:
        copy = pickle.loads(pickle.dumps(model))
    finally:
        model.similarity_fn_name = "cosine"
    assert copy.model_dir == model.model_dir and copy.similarity_fn_name == "dot"
    assert np.array_equal(copy.encode(texts), model.encode(texts))


def test_threads_calling_one_model(model, texts):
    expected = model.encode(texts)
    results, errors = [None] * 4, []

    def work(k):
        try:
            results[k] = model.encode(texts[k:] + texts[:k], batch_size=7)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors
    for k, r in enumerate(results):
        assert np.array_equal(r, np.roll(expected, -k, axis=0))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_fork_after_encode_is_refused(model, texts):
    expected = model.encode(texts[:6])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: encode with the inherited model, report through the pipe
        os.close(read)
        try:
            ok = np.array_equal(model.encode(texts[:6]), expected)
            os.write(write, b"same" if ok else b"different")
        except BaseException as e:  # noqa: BLE001 - any failure is reported
            os.write(write, repr(e).encode()[:200])
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        answer = f.read()
    os.waitpid(pid, 0)
    # The engine's OpenMP pool does not survive fork (the child would hang): a clear error.
    assert b"RuntimeError" in answer and b"forked after sembed had run" in answer, answer


def _encode_in_worker(model_and_texts):
    model, texts = model_and_texts
    return model.encode(texts)


def test_spawned_worker_gets_a_working_pickled_model(model, texts):
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result = pool.map_async(_encode_in_worker, [(model, texts[:6])]).get(timeout=300)[0]
    assert np.array_equal(result, model.encode(texts[:6]))


def test_default_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert _threads.default_threads() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
        monkeypatch.setattr(os, "cpu_count", lambda: 8)
        assert _threads.default_threads() == 1


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        (dict(device="cuda"), ValueError, "device='cuda' is not supported"),
        (dict(convert_to_tensor=True), ValueError, "convert_to_tensor=True needs torch"),
        (dict(precision="int4"), ValueError, "Precision 'int4' is not supported"),
        (dict(output_value=None), ValueError, "output_value=None is not supported"),
        (dict(batch_size=0), ValueError, "batch_size must be a positive integer"),
        (dict(truncate_dim=0), ValueError, "truncate_dim must be a positive integer"),
        (dict(prompt_name="nope"), ValueError, "Prompt name 'nope' not found"),
        (dict(pool={}), ValueError, "pool / chunk_size"),
        (dict(task="query"), ValueError, "does not support: \\['task'\\]"),
    ],
)
def test_bad_encode_arguments(model, kwargs, error, text):
    with pytest.raises(error, match=text):
        model.encode(["a b c", "d e"], **kwargs)


def test_bad_inputs(model):
    with pytest.raises(TypeError, match="input 1 is a int"):
        model.encode(["a", 3])
    with pytest.raises(TypeError, match="inputs must be a string or a sequence"):
        model.encode(42)
    with pytest.raises(ValueError, match="single embedding"):
        model.encode("one text", precision="int8")
    with pytest.raises(ValueError, match="input 0 is not valid Unicode text"):
        model.encode(["\ud800"])


def test_bad_constructor_arguments(tmp_path):
    with pytest.raises(ValueError, match="device='cuda' is not supported"):
        sembed.SentenceTransformer(device="cuda")
    with pytest.raises(ValueError, match="backend='onnx' is not supported"):
        sembed.SentenceTransformer(backend="onnx")
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        sembed.SentenceTransformer(colour="blue")
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        sembed.SentenceTransformer(threads=0)
    with pytest.raises(ValueError, match="sembed does not download"):
        sembed.SentenceTransformer("no-such-org/no-such-model")
    with pytest.raises(ValueError, match="config.json"):
        sembed.SentenceTransformer(str(tmp_path))  # an empty directory: the C++ loader names what is missing
    with pytest.raises(ValueError, match="similarity_fn_name must be one of"):
        sembed.SentenceTransformer(similarity_fn_name="jaccard")


def test_hub_name_of_the_default_model_resolves(model):
    assert sembed.SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2").model_dir == model.model_dir
