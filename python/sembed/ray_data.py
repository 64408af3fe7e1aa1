"""Corpus embedding on Ray Data (and any engine that maps over batches of rows, e.g. Spark's
mapInPandas): a callable class that holds one sembed model per worker.

    import ray
    from sembed.ray_data import Embedder
    ds = ray.data.read_parquet("corpus.parquet")                 # columns: id, text
    ds = ds.map_batches(Embedder, fn_constructor_kwargs={"model": None},
                        concurrency=4, num_cpus=2, batch_size=256)
    ds.write_parquet("embeddings/")                              # id, text, embedding

Ray starts `concurrency` actors, each constructs one Embedder (one model, loaded once) and
sets OMP_NUM_THREADS to the actor's num_cpus, which the model follows, so actors × threads
matches the CPUs Ray hands out instead of each actor using every core. This module does not
import ray: the class is a plain callable over {column: array} batches (Ray's "numpy" format)
or pandas DataFrames; docs/scale-out.md has the full recipes, examples/ray_embed.py a program.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .sentence_transformer import SentenceTransformer


class Embedder:
    """Adds `embedding_column` (float32 [rows, dim], or whatever encode() returns for the given
    encode_kwargs) to each batch, embedding `text_column`. Other columns pass through unchanged.

    model: a model directory or name (None: the default model); threads: None follows
    OMP_NUM_THREADS / the process's CPUs (what Ray sets per actor); encode_kwargs go to
    SentenceTransformer.encode (normalize_embeddings, precision, truncate_dim, prompt_name, ...).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        text_column: str = "text",
        embedding_column: str = "embedding",
        threads: int | None = None,
        encode_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.model = SentenceTransformer(model, threads=threads)
        self.text_column = text_column
        self.embedding_column = embedding_column
        self.encode_kwargs = dict(encode_kwargs or {})
        if "output_value" in self.encode_kwargs or "convert_to_numpy" in self.encode_kwargs:
            raise ValueError("Embedder: output_value / convert_to_numpy are fixed (one vector per row)")

    def __call__(self, batch):
        texts = _column_as_texts(batch, self.text_column)
        embeddings = self.model.encode(texts, **self.encode_kwargs)
        if hasattr(batch, "assign"):  # a pandas DataFrame: one array per row
            return batch.assign(**{self.embedding_column: list(embeddings)})
        out = dict(batch)
        out[self.embedding_column] = embeddings
        return out


def _column_as_texts(batch, column: str) -> list[str]:
    try:
        values = batch[column]
    except (KeyError, IndexError):
        columns = list(batch.keys()) if hasattr(batch, "keys") else list(getattr(batch, "columns", []))
        raise ValueError(f"Embedder: the batch has no column {column!r} (columns: {columns})") from None
    if hasattr(values, "tolist"):
        values = values.tolist()
    texts = list(values)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"Embedder: row {i} of column {column!r} is a {type(t).__name__}, not a string")
    return texts


def embed_pandas_iter(batches, model: str | None = None, *, text_column: str = "text",
                      embedding_column: str = "embedding", threads: int | None = None, **encode_kwargs):
    """For Spark's DataFrame.mapInPandas: loads one model per Python worker and yields each
    pandas batch with an embedding column (a list of floats per row)."""
    embedder = Embedder(model, text_column=text_column, embedding_column=embedding_column,
                        threads=threads, encode_kwargs=encode_kwargs)
    for frame in batches:
        out = embedder(frame)
        out[embedding_column] = [np.asarray(v).tolist() for v in out[embedding_column]]
        yield out
