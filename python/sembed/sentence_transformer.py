"""sembed.SentenceTransformer: the C++ engine behind sentence-transformers' SentenceTransformer
API, for the arguments that make sense on a CPU engine that returns numpy arrays.

Semantics follow sentence-transformers 6.x `SentenceTransformer.encode`: a single string gives a
1-D array, input order is kept, the model's own modules (pooling, Normalize) run first, then
`truncate_dim`, then `normalize_embeddings`, then `precision` (quantize_embeddings with the ranges
of this call's embeddings). Prompts are resolved here with sentence-transformers' precedence and
applied by the engine (prepended; left out of pooling where the model's Pooling says so).
What we cannot do (torch tensors, GPUs, multi-process pools, Router tasks) raises ValueError
naming the argument — nothing is silently ignored.
The heavy work (tokenizing, encoding) runs in C++ with the GIL released; see _sembed.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np

from . import _sembed
from ._arguments import check_default_only, check_device, check_threads
from ._fork_guard import enter_engine
from . import util
from ._model_files import read_similarity_fn_name, resolve_model
from ._threads import default_threads

logger = logging.getLogger(__name__)

_PRECISIONS = ("float32", "int8", "uint8", "binary", "ubinary")
_OUTPUT_VALUES = ("sentence_embedding", "token_embeddings", "chunks")
_LONG_TEXT = ("truncate", "chunk")

# Constructor arguments of sentence_transformers.SentenceTransformer that sembed accepts only at
# their "nothing special" value (anything else would change what the model is or does).
_CTOR_DEFAULT_ONLY = {
    "modules": None,
    "revision": None,
    "token": None,
    "use_auth_token": None,
    "model_kwargs": None,
    "tokenizer_kwargs": None,
    "config_kwargs": None,
    "model_card_data": None,
    "trust_remote_code": False,
    "backend": "torch",
}


class SentenceTransformer:
    """A sentence-transformers model directory loaded into the sembed engine.

    `model_name_or_path`: a model directory, or a hub name already on disk (sembed never
    downloads); None loads the default model as the `sembed` CLI finds it ($SEMBED_MODEL, then
    ~/.cache/sembed/models/all-MiniLM-L6-v2). `threads`: threads per encode call; None follows
    $OMP_NUM_THREADS, then the process's CPU affinity / cgroup quota, then the physical cores.
    `dtype`: the encoder's matmul arithmetic, "float32" (exact), "bf16" or "int8" (faster on CPUs
    with the instructions, approximate; docs/precision.md has the measured quality); a CPU without
    them raises ValueError naming what is missing. "auto": int8 where the CPU runs it natively,
    else float32 (info["dtype"] says which).
    """

    def __init__(
        self,
        model_name_or_path: str | os.PathLike | None = None,
        *,
        threads: int | None = None,
        dtype: str = "float32",
        device: str | None = None,
        prompts: dict[str, str] | None = None,
        default_prompt_name: str | None = None,
        similarity_fn_name: str | None = None,
        cache_folder: str | None = None,
        truncate_dim: int | None = None,
        local_files_only: bool = False,
        **kwargs: Any,
    ) -> None:
        check_default_only("SentenceTransformer()", kwargs, _CTOR_DEFAULT_ONLY)
        check_device(device, "SentenceTransformer()")
        check_threads(threads, "SentenceTransformer()")
        _check_truncate_dim(truncate_dim, "SentenceTransformer()")

        self._name_or_path = model_name_or_path
        self._cache_folder = cache_folder
        self._threads_arg = threads
        self._dtype = dtype
        self.model_dir = resolve_model(model_name_or_path, cache_folder)
        enter_engine("loading a model")
        self._model = _sembed.Model.load(
            self.model_dir, threads if threads is not None else default_threads(), dtype
        )
        self._info = self._model.info()

        # sentence-transformers' precedence: the caller's prompts, then the model's saved ones
        # (config_sentence_transformers.json, read by the C++ loader) for keys the caller left
        # unset, with "query" and "document" always present ("" when nobody set them).
        merged: dict[str, str | None] = {"query": None, "document": None, **(prompts or {})}
        for name, text in self._info["prompts"].items():
            if merged.get(name) is None:
                merged[name] = text
        self.prompts: dict[str, str] = {k: ("" if v is None else v) for k, v in merged.items()}
        self.default_prompt_name = default_prompt_name or self._info["default_prompt_name"]
        if self.default_prompt_name is not None and self.default_prompt_name not in self.prompts:
            raise ValueError(
                f"default_prompt_name {self.default_prompt_name!r} is not among the prompts {list(self.prompts)!r}"
            )
        self._similarity_fn_name = None
        self.similarity_fn_name = similarity_fn_name or read_similarity_fn_name(self.model_dir)
        self.truncate_dim = truncate_dim
        self._max_seq_length = self._model.max_seq_length()

    # --- pickling: the other side re-opens the same directory --------------------------------
    def __reduce__(self):
        state = {
            "prompts": self.prompts,
            "default_prompt_name": self.default_prompt_name,
            "similarity_fn_name": self._similarity_fn_name,
            "truncate_dim": self.truncate_dim,
            "max_seq_length": self._max_seq_length,
            "dtype": self._dtype,
        }
        return (_unpickle, (self.model_dir, self._threads_arg, state))

    def __repr__(self) -> str:
        return (
            f"sembed.SentenceTransformer({self.model_dir!r}, architecture={self._info['architecture']!r}, "
            f"dimension={self._model.dimension()}, pooling={self._info['pooling']!r}, "
            f"normalize={self._info['normalize']})"
        )

    # --- model facts -------------------------------------------------------------------------
    @property
    def max_seq_length(self) -> int:
        """Tokens per text, [CLS] and [SEP] included; longer texts are truncated."""
        return self._max_seq_length

    @max_seq_length.setter
    def max_seq_length(self, value: int) -> None:
        # The engine checks the value against the model's position embeddings at encode time.
        if not isinstance(value, int) or isinstance(value, bool) or value < 2:
            raise ValueError(f"max_seq_length must be an integer >= 2, got {value!r}")
        self._max_seq_length = value

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def info(self) -> dict:
        """What the C++ loader found: architecture, sizes, pooling, weight file, load time."""
        return dict(self._info)

    def get_sentence_embedding_dimension(self) -> int:
        dimension = self._model.dimension()
        return min(dimension, self.truncate_dim) if self.truncate_dim is not None else dimension

    get_embedding_dimension = get_sentence_embedding_dimension

    @contextmanager
    def truncate_embeddings(self, truncate_dim: int | None) -> Iterator[None]:
        """Within this context, encode() truncates to `truncate_dim`, as in sentence-transformers."""
        _check_truncate_dim(truncate_dim, "truncate_embeddings()")
        previous, self.truncate_dim = self.truncate_dim, truncate_dim
        try:
            yield
        finally:
            self.truncate_dim = previous

    # --- similarity --------------------------------------------------------------------------
    @property
    def similarity_fn_name(self) -> str:
        """"cosine" (the default), "dot", "euclidean" or "manhattan"."""
        if self._similarity_fn_name is None:
            self._similarity_fn_name = "cosine"
        return self._similarity_fn_name

    @similarity_fn_name.setter
    def similarity_fn_name(self, value: str | None) -> None:
        value = getattr(value, "value", value)  # sentence_transformers.SimilarityFunction members
        if value is not None and value not in util.SIMILARITY_FUNCTIONS:
            raise ValueError(
                f"similarity_fn_name must be one of {sorted(util.SIMILARITY_FUNCTIONS)}, got {value!r}"
            )
        self._similarity_fn_name = value

    def similarity(self, embeddings1, embeddings2) -> np.ndarray:
        """[len(embeddings1), len(embeddings2)] scores with this model's similarity function."""
        return util.SIMILARITY_FUNCTIONS[self.similarity_fn_name](embeddings1, embeddings2)

    def similarity_pairwise(self, embeddings1, embeddings2) -> np.ndarray:
        """Scores of row i of embeddings1 against row i of embeddings2."""
        return util.PAIRWISE_SIMILARITY_FUNCTIONS[self.similarity_fn_name](embeddings1, embeddings2)

    # --- tokenize ----------------------------------------------------------------------------
    def tokenize(self, texts: Sequence[str] | str) -> dict[str, np.ndarray]:
        """input_ids, token_type_ids and attention_mask as int64 arrays padded to the longest
        text (with the tokenizer's pad id), truncated at max_seq_length, like
        sentence-transformers' tokenize (numpy instead of torch tensors)."""
        texts = _as_text_list(texts, "tokenize()")
        rows = self._model.tokenize(texts, self._max_seq_length, True)
        width = max((len(r["input_ids"]) for r in rows), default=0)
        out = {
            "input_ids": np.full((len(rows), width), self._pad_id(), dtype=np.int64),
            "token_type_ids": np.zeros((len(rows), width), dtype=np.int64),
            "attention_mask": np.zeros((len(rows), width), dtype=np.int64),
        }
        for i, r in enumerate(rows):
            n = len(r["input_ids"])
            out["input_ids"][i, :n] = r["input_ids"]
            out["token_type_ids"][i, :n] = r["token_type_ids"]
            out["attention_mask"][i, :n] = 1
        return out

    def _pad_id(self) -> int:
        if not hasattr(self, "_pad_id_value"):
            from ._model_files import pad_token_id

            self._pad_id_value = pad_token_id(self.model_dir)
        return self._pad_id_value

    # --- encode ------------------------------------------------------------------------------
    def encode(
        self,
        inputs: Sequence[str] | str | None = None,
        prompt_name: str | None = None,
        prompt: str | None = None,
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        output_value: str | None = "sentence_embedding",
        precision: str = "float32",
        convert_to_numpy: bool = True,
        convert_to_tensor: bool = False,
        device: str | None = None,
        normalize_embeddings: bool = False,
        truncate_dim: int | None = None,
        pool: Any = None,
        chunk_size: int | None = None,
        long_text: str = "truncate",
        chunk_overlap: int = 32,
        **kwargs: Any,
    ):
        """Embeds `inputs` (a string or a sequence of strings) as sentence-transformers does.

        Returns a float32 [n, dim] array (1-D for a single string), an int8/uint8 array for the
        quantized precisions, a list of 1-D arrays with convert_to_numpy=False, or, with
        output_value="token_embeddings", a list of [n_tokens, hidden] arrays.

        sembed's own: long_text="chunk" embeds a text longer than max_seq_length whole, as the
        token-weighted mean of windows that share chunk_overlap tokens (docs/long-text.md);
        output_value="chunks" returns, per text, a dict of its windows: "embeddings" [windows,
        dim] (each window embedded as encode would embed it) and "token_begin", "token_end",
        "char_begin", "char_end" (the text's tokens and code points each window covers).
        """
        if inputs is None:
            if "sentences" not in kwargs:
                raise TypeError("encode() missing required argument: 'inputs'")
            inputs = kwargs.pop("sentences")  # the name sentence-transformers < 5 used
        if kwargs:
            raise ValueError(
                f"encode() got keyword arguments sembed does not support: {sorted(kwargs)} "
                "(task routing and processing_kwargs need modules sembed does not run)"
            )
        if convert_to_tensor:
            raise ValueError("encode(): convert_to_tensor=True needs torch; sembed returns numpy arrays only")
        check_device(device, "encode()")
        if pool is not None or chunk_size is not None:
            raise ValueError(
                "encode(): pool / chunk_size (multi-process encoding) are not supported; one sembed model "
                "already uses all its threads — see docs/scale-out.md for many processes"
            )
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if output_value not in _OUTPUT_VALUES:
            raise ValueError(
                f"encode(): output_value={output_value!r} is not supported, must be one of {list(_OUTPUT_VALUES)}"
            )
        if precision not in _PRECISIONS:
            raise ValueError(f"Precision {precision!r} is not supported, must be one of {list(_PRECISIONS)}")
        if long_text not in _LONG_TEXT:
            raise ValueError(f"encode(): long_text={long_text!r} is not supported, must be one of {list(_LONG_TEXT)}")
        if not isinstance(chunk_overlap, int) or isinstance(chunk_overlap, bool) or chunk_overlap < 0:
            raise ValueError(f"encode(): chunk_overlap must be a non-negative integer, got {chunk_overlap!r}")
        if output_value == "chunks" and (precision != "float32" or normalize_embeddings or truncate_dim):
            raise ValueError(
                "encode(): output_value='chunks' gives each window's float32 embedding as the model "
                "outputs it; precision, normalize_embeddings and truncate_dim do not apply"
            )
        truncate_dim = truncate_dim if truncate_dim is not None else self.truncate_dim
        _check_truncate_dim(truncate_dim, "encode()")

        single = isinstance(inputs, str)
        texts = _as_text_list(inputs, "encode()")
        # The engine prepends the prompt, and leaves its tokens out of pooling when the model's
        # Pooling says include_prompt: false; "" tells it that no prompt applies.
        prompt = self._resolve_prompt(prompt, prompt_name) or ""

        if show_progress_bar is None:
            show_progress_bar = logger.getEffectiveLevel() in (logging.INFO, logging.DEBUG)
        progress = _progress_printer(len(texts)) if show_progress_bar else None

        enter_engine("encode()")
        if output_value == "token_embeddings":
            # As sentence-transformers: one [n_tokens, hidden] array per text; normalize and
            # truncate_dim apply to sentence embeddings only.
            result = _call_engine(self._model.encode_tokens, texts, batch_size, self._max_seq_length, prompt, progress)
            if precision != "float32":
                result = util.quantize_embeddings(result, precision=precision)
            return result[0] if single else result

        if output_value == "chunks":
            result = _call_engine(
                self._model.encode_chunks, texts, batch_size, None, self._max_seq_length, prompt, progress, chunk_overlap
            )
            return result[0] if single else result

        if not texts:
            return np.array([]) if convert_to_numpy else []
        embeddings = _call_engine(
            self._model.encode, texts, batch_size, None, self._max_seq_length, prompt, progress, long_text, chunk_overlap
        )
        if truncate_dim is not None:
            embeddings = embeddings[:, :truncate_dim]
        if normalize_embeddings:
            embeddings = util.normalize_embeddings(embeddings)
        if precision != "float32":
            embeddings = util.quantize_embeddings(embeddings, precision=precision)
        if not convert_to_numpy:
            embeddings = list(embeddings)
        return embeddings[0] if single else embeddings

    def encode_query(self, inputs=None, prompt_name: str | None = None, prompt: str | None = None, **kwargs):
        """encode() with the model's "query" prompt when neither prompt nor prompt_name is given."""
        if prompt_name is None and prompt is None and "query" in self.prompts:
            prompt_name = "query"
        return self.encode(inputs, prompt_name=prompt_name, prompt=prompt, **kwargs)

    def encode_document(self, inputs=None, prompt_name: str | None = None, prompt: str | None = None, **kwargs):
        """encode() with the model's "document" (or "passage", "corpus") prompt when neither
        prompt nor prompt_name is given, as sentence-transformers picks it."""
        if prompt_name is None and prompt is None:
            for candidate in ("document", "passage", "corpus"):
                if candidate in self.prompts:
                    prompt_name = candidate
                    break
        return self.encode(inputs, prompt_name=prompt_name, prompt=prompt, **kwargs)

    def _resolve_prompt(self, prompt: str | None, prompt_name: str | None) -> str | None:
        if prompt is not None:
            if not isinstance(prompt, str):
                raise TypeError(f"prompt must be a string, got {type(prompt).__name__}")
            if prompt_name is not None:
                logger.warning("Provide either a `prompt`, a `prompt_name`, or neither; ignoring `prompt_name`.")
            return prompt
        if prompt_name is not None:
            if prompt_name not in self.prompts:
                raise ValueError(
                    f"Prompt name {prompt_name!r} not found in the configured prompts dictionary with keys "
                    f"{list(self.prompts)!r}."
                )
            return self.prompts[prompt_name]
        if self.default_prompt_name is not None:
            return self.prompts.get(self.default_prompt_name)
        return None


def _unpickle(model_dir: str, threads: int | None, state: dict) -> SentenceTransformer:
    model = SentenceTransformer(model_dir, threads=threads, dtype=state.get("dtype", "float32"))
    model.prompts = state["prompts"]
    model.default_prompt_name = state["default_prompt_name"]
    model.similarity_fn_name = state["similarity_fn_name"]
    model.truncate_dim = state["truncate_dim"]
    model._max_seq_length = state["max_seq_length"]
    return model


def _call_engine(method, texts: list[str], *args):
    """method(texts, *args); a text that is not encodable as UTF-8 (a lone surrogate) becomes a
    ValueError naming it instead of nanobind's argument-type error."""
    try:
        return method(texts, *args)
    except TypeError:
        for i, text in enumerate(texts):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as e:
                raise ValueError(f"input {i} is not valid Unicode text ({e.reason} at character {e.start})") from None
        raise


def _check_truncate_dim(truncate_dim: Any, where: str) -> None:
    if truncate_dim is None:
        return
    if not isinstance(truncate_dim, int) or isinstance(truncate_dim, bool) or truncate_dim < 1:
        raise ValueError(f"{where}: truncate_dim must be a positive integer or None, got {truncate_dim!r}")


def _as_text_list(inputs: Any, where: str) -> list[str]:
    if isinstance(inputs, str):
        return [inputs]
    if isinstance(inputs, np.ndarray):
        inputs = inputs.tolist()
    elif isinstance(inputs, (dict, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(f"{where}: inputs must be a string or a sequence of strings, got {type(inputs).__name__}")
    texts = list(inputs)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(
                f"{where}: input {i} is a {type(t).__name__}, not a string (sembed embeds text only)"
            )
    return texts


def _progress_printer(total: int):
    """A progress callback: tqdm when installed, else a line on stderr."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(total=total, desc="Batches", unit="text")

        def update(done: int, _total: int) -> None:
            bar.update(done - bar.n)
            if done >= _total:
                bar.close()

        return update

    def write(done: int, _total: int) -> None:
        sys.stderr.write(f"\rsembed: {done}/{_total} texts")
        if done >= _total:
            sys.stderr.write("\n")

    return write
