"""Corpus embedding on a local Ray cluster (2 CPUs, 2 actors) gives the same vectors as one
process; the Embedder class also works on pandas batches (Spark's mapInPandas shape).
Skipped when ray is not installed (scripts/test_python.sh installs it unless SEMBED_TEST_RAY=0)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from sembed.ray_data import Embedder, embed_pandas_iter


@pytest.fixture(scope="module")
def corpus(sts_sentences):
    return sts_sentences[:300]


def test_embedder_on_numpy_and_pandas_batches(model, corpus):
    pd = pytest.importorskip("pandas")
    embedder = Embedder(None, encode_kwargs={"normalize_embeddings": True})
    batch = {"id": np.arange(5), "text": np.array(corpus[:5], dtype=object)}
    out = embedder(batch)
    assert np.array_equal(out["id"], batch["id"])
    assert np.array_equal(out["embedding"], model.encode(corpus[:5], normalize_embeddings=True))
    frames = list(embed_pandas_iter([pd.DataFrame({"text": corpus[:3]})]))
    assert np.allclose(np.array(frames[0]["embedding"].tolist()), model.encode(corpus[:3]))
    with pytest.raises(ValueError, match="no column 'body'"):
        Embedder(None, text_column="body")(batch)


def test_ray_example_matches_one_process(model, corpus, tmp_path):
    pytest.importorskip("ray")
    pq = pytest.importorskip("pyarrow.parquet")
    source = tmp_path / "corpus.txt"
    source.write_text("\n".join(corpus) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    env = dict(os.environ, RAY_DEDUP_LOGS="0", RAY_USAGE_STATS_ENABLED="0")
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "ray_embed.py"), "--input", str(source), "--output", str(out),
         "--actors", "2", "--cpus-per-actor", "1", "--num-cpus", "2", "--batch-size", "64"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    table = pq.read_table(out).to_pandas().sort_values("id")
    assert table["id"].tolist() == list(range(len(corpus)))
    assert table["text"].tolist() == corpus
    ours = np.stack(table["embedding"].to_numpy())
    expected = model.encode(corpus)
    # One thread per actor versus the fixture's threads: the engine's results do not depend on
    # the thread count, so the vectors are the same floats.
    assert np.abs(ours - expected).max() <= 1e-6
