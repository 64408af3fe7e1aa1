"""sembed.CrossEncoder: the C++ engine behind sentence-transformers' CrossEncoder API (predict and
rank) for cross-encoder directories (transformers *ForSequenceClassification checkpoints of the
families sembed runs).

Semantics follow sentence-transformers 6.x: a single [text, text_pair] gives one score (one
label) or one row; pairs are cut longest_first at max_length; the model's activation (Sigmoid for
one label unless the directory says otherwise) is applied unless `activation_fn` replaces it;
`apply_softmax` then normalizes over several labels; rank() sorts by score, best first, ties in
input order. `activation_fn` may be a torch Identity / Sigmoid / Tanh module (recognized by its
class, torch is not imported) or any callable taking and returning a numpy array of logits.
What sembed cannot do (torch tensors, GPUs, prompts on pairs, multi-process pools) raises
ValueError naming the argument.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np

from . import _sembed
from ._arguments import check_default_only, check_device, check_threads
from ._fork_guard import enter_engine
from ._model_files import resolve_model
from ._threads import default_threads

# Constructor arguments of sentence_transformers.CrossEncoder accepted only at their neutral value.
_CTOR_DEFAULT_ONLY = {
    "modules": None,
    "prompts": None,
    "default_prompt_name": None,
    "revision": None,
    "token": None,
    "model_kwargs": None,
    "processor_kwargs": None,
    "tokenizer_kwargs": None,
    "config_kwargs": None,
    "model_card_data": None,
    "keep_in_fp32_modules": None,
    "trust_remote_code": False,
    "backend": "torch",
}

# Per-call arguments of predict/rank accepted only at their neutral value.
_CALL_DEFAULT_ONLY = {"prompt_name": None, "prompt": None, "pool": None, "chunk_size": None}


def _check_call_args(where: str, device: Any, kwargs: dict) -> None:
    check_device(device, where)
    check_default_only(where, kwargs, _CALL_DEFAULT_ONLY)


def _is_pair(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) == 2 and all(isinstance(t, str) for t in x)


class CrossEncoder:
    """A cross-encoder directory loaded into the sembed engine.

    `model_name_or_path`: a CrossEncoder directory (saved by sentence-transformers, or a plain
    transformers *ForSequenceClassification save), or a hub name already on disk (sembed never
    downloads). `max_length`: tokens per pair (default: the model's). `activation_fn`: replaces
    the model's activation for every call (see the module's docstring). `threads`: as
    SentenceTransformer.
    """

    def __init__(
        self,
        model_name_or_path: str | os.PathLike,
        *,
        num_labels: int | None = None,
        max_length: int | None = None,
        activation_fn: Callable | None = None,
        threads: int | None = None,
        device: str | None = None,
        cache_folder: str | None = None,
        local_files_only: bool = False,
        **kwargs: Any,
    ) -> None:
        check_default_only("CrossEncoder()", kwargs, _CTOR_DEFAULT_ONLY)
        check_device(device, "CrossEncoder()")
        check_threads(threads, "CrossEncoder()")
        if model_name_or_path is None:
            raise ValueError("CrossEncoder(): a cross-encoder directory is required (there is no default)")
        self.model_dir = resolve_model(model_name_or_path, cache_folder)
        enter_engine("loading a model")
        self._model = _sembed.CrossEncoder.load(self.model_dir, threads if threads is not None else default_threads())
        self._info = self._model.info()
        if num_labels is not None and num_labels != self._model.num_labels():
            raise ValueError(
                f"CrossEncoder(): num_labels={num_labels} but the model's head has "
                f"{self._model.num_labels()} labels (sembed does not re-initialize heads)"
            )
        self.max_length = max_length
        self.activation_fn = activation_fn

    # --- model facts -------------------------------------------------------------------------
    @property
    def num_labels(self) -> int:
        return self._model.num_labels()

    @property
    def max_length(self) -> int:
        """Tokens per pair, specials included; longer pairs are cut longest_first."""
        return self._max_length

    @max_length.setter
    def max_length(self, value: int | None) -> None:
        if value is None:
            value = self._model.max_seq_length()
        if not isinstance(value, int) or isinstance(value, bool) or value < 2:
            raise ValueError(f"max_length must be an integer >= 2, got {value!r}")
        self._max_length = value

    max_seq_length = max_length

    @property
    def labels(self) -> list[str]:
        """config.json's id2label, one name per score column."""
        return list(self._info["labels"])

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def info(self) -> dict:
        return dict(self._info)

    def __repr__(self) -> str:
        return (
            f"sembed.CrossEncoder({self.model_dir!r}, architecture={self._info['architecture']!r}, "
            f"num_labels={self.num_labels}, activation={self._info['activation']!r})"
        )

    # --- scoring -----------------------------------------------------------------------------
    def _scores(self, pairs, batch_size, show_progress_bar, activation_fn, apply_softmax) -> np.ndarray:
        """[len(pairs), num_labels] float32 scores."""
        activation_fn = self.activation_fn if activation_fn is None else activation_fn
        name = type(activation_fn).__name__ if activation_fn is not None else None
        model_activation = self._info["activation"]
        native = activation_fn is None or name == model_activation
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        progress = None
        if show_progress_bar:
            def progress(done, total):
                print(f"\rBatches: {done}/{total}", end="\n" if done == total else "", flush=True)
        enter_engine("predicting")
        try:
            scores = self._model.predict(
                pairs, batch_size=batch_size, apply_activation=native,
                apply_softmax=bool(apply_softmax) and native, max_length=self._max_length,
                progress=progress)
        except TypeError:
            # nanobind's argument error for a text not encodable as UTF-8 (a lone surrogate).
            for i, pair in enumerate(pairs):
                for text in pair:
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError as e:
                        raise ValueError(f"pair {i} is not valid Unicode text ({e.reason} at character "
                                         f"{e.start})") from None
            raise
        if native or name == "Identity":
            if apply_softmax and not native:
                scores = _softmax(scores)
            return scores
        if name == "Sigmoid":
            scores = (1.0 / (1.0 + np.exp(-scores, dtype=np.float32))).astype(np.float32)
        elif name == "Tanh":
            scores = np.tanh(scores).astype(np.float32)
        elif callable(activation_fn) and not hasattr(activation_fn, "forward"):
            scores = np.asarray(activation_fn(scores), dtype=np.float32)
        else:
            raise ValueError(
                f"activation_fn={activation_fn!r} is not supported: use a torch Identity, Sigmoid or "
                "Tanh module, or a callable on numpy arrays")
        return _softmax(scores) if apply_softmax else scores

    def predict(
        self,
        inputs: Sequence[Sequence[str]] | Sequence[str],
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        activation_fn: Callable | None = None,
        apply_softmax: bool | None = False,
        convert_to_numpy: bool = True,
        convert_to_tensor: bool = False,
        device: str | None = None,
        **kwargs: Any,
    ):
        """Scores of [text, text_pair] inputs: float32 [n] for one label, [n, num_labels] else;
        a single pair gives a single score (or row)."""
        _check_call_args("predict()", device, kwargs)
        if convert_to_tensor:
            raise ValueError("predict(): convert_to_tensor=True is not supported; sembed returns numpy arrays")
        single = _is_pair(inputs)
        batch = [inputs] if single else list(inputs)
        pairs = []
        for i, pair in enumerate(batch):
            if not _is_pair(pair):
                raise ValueError(f"predict(): input {i} is not a [text, text_pair] pair of strings: {pair!r}")
            pairs.append((pair[0], pair[1]))
        if not pairs:
            return np.array([], dtype=np.float32) if convert_to_numpy else []
        scores = self._scores(pairs, batch_size, show_progress_bar, activation_fn, apply_softmax)
        if self.num_labels == 1:
            scores = scores[:, 0]
        if single:
            return scores[0]
        return scores if convert_to_numpy else list(scores)

    def rank(
        self,
        query: str,
        documents: Sequence[str],
        top_k: int | None = None,
        return_documents: bool = False,
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        activation_fn: Callable | None = None,
        device: str | None = None,
        **kwargs: Any,
    ) -> list[dict]:
        """[{"corpus_id", "score"(, "text")}] best first (ties in input order), the top_k first."""
        _check_call_args("rank()", device, kwargs)
        if self.num_labels != 1:
            raise ValueError(
                "CrossEncoder.rank() only works for models with num_labels=1. "
                "Consider using CrossEncoder.predict() with input pairs instead.")
        documents = list(documents)
        scores = self.predict([(query, d) for d in documents], batch_size=batch_size,
                              show_progress_bar=show_progress_bar, activation_fn=activation_fn)
        results = []
        for i, score in enumerate(np.atleast_1d(scores).tolist()):
            hit = {"corpus_id": i, "score": score}
            if return_documents:
                hit["text"] = documents[i]
            results.append(hit)
        results.sort(key=lambda h: h["score"], reverse=True)
        return results[:top_k]

    # --- pickling: the other side re-opens the same directory --------------------------------
    def __reduce__(self):
        return (_unpickle, (self.model_dir, self._max_length, self.activation_fn))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def _unpickle(model_dir: str, max_length: int, activation_fn) -> CrossEncoder:
    return CrossEncoder(model_dir, max_length=max_length, activation_fn=activation_fn)
