"""Finding a model directory from a sentence-transformers style name, and the few
sentence-transformers settings the Python layer applies itself (similarity function, pad id).

sembed never downloads: a name resolves to a directory already on disk — the path itself, the
sembed model cache (scripts/fetch_default_model.sh), or a Hugging Face hub cache snapshot. The
C++ loader reads and checks everything else in the directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import _sembed


def _hub_cache_dirs(cache_folder: str | None) -> list[Path]:
    dirs = []
    if cache_folder:
        dirs.append(Path(cache_folder))
    for var in ("SENTENCE_TRANSFORMERS_HOME", "HF_HUB_CACHE"):
        if os.environ.get(var):
            dirs.append(Path(os.environ[var]))
    hf_home = os.environ.get("HF_HOME", os.path.join(os.path.expanduser("~"), ".cache", "huggingface"))
    dirs.append(Path(hf_home) / "hub")
    return dirs


def _sembed_model_home() -> Path:
    if os.environ.get("SEMBED_MODEL_HOME"):
        return Path(os.environ["SEMBED_MODEL_HOME"])
    xdg = os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache"))
    return Path(xdg) / "sembed" / "models"


def resolve_model(name_or_path: str | os.PathLike | None, cache_folder: str | None = None) -> str:
    """The directory of the model `name_or_path` names; None gives the default model as the CLI
    finds it. Raises ValueError listing where it looked."""
    if name_or_path is None:
        return _sembed.resolve_model_dir(None)
    name = os.fspath(name_or_path)
    if os.path.isdir(name):
        return name
    looked = [name]
    # "all-MiniLM-L6-v2" and "sentence-transformers/all-MiniLM-L6-v2" both name the hub repo
    # sentence-transformers/all-MiniLM-L6-v2, as in sentence-transformers.
    repo = name if "/" in name else f"sentence-transformers/{name}"
    candidate = _sembed_model_home() / repo.split("/")[-1]
    if (candidate / "config.json").is_file():
        return str(candidate)
    looked.append(str(candidate))
    for hub in _hub_cache_dirs(cache_folder):
        snapshots = hub / ("models--" + repo.replace("/", "--")) / "snapshots"
        found = sorted(snapshots.glob("*/config.json"), key=lambda p: p.stat().st_mtime) if snapshots.is_dir() else []
        if found:
            return str(found[-1].parent)
        looked.append(str(snapshots))
    raise ValueError(
        f"model {name!r} not found; sembed does not download models. Looked in: {', '.join(looked)}. "
        "Pass a model directory, or fetch it first (scripts/fetch_default_model.sh, huggingface-cli download)."
    )


def _read_json(path: Path, kind: type = dict):
    """The JSON value of `path` (an empty `kind` when the file is absent)."""
    if not path.is_file():
        return kind()
    with open(path, encoding="utf-8") as f:
        try:
            value = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(value, kind):
        raise ValueError(f"{path}: expected a JSON {'object' if kind is dict else 'array'}")
    return value


def read_similarity_fn_name(model_dir: str) -> str | None:
    """config_sentence_transformers.json's similarity_fn_name (None when the file or field is
    absent); the C++ loader reads the rest of that file (prompts)."""
    value = _read_json(Path(model_dir) / "config_sentence_transformers.json").get("similarity_fn_name")
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{model_dir}/config_sentence_transformers.json: similarity_fn_name must be a string")
    return value


def pad_token_id(model_dir: str) -> int:
    """The id sentence-transformers pads with: that of tokenizer_config.json's pad_token (default
    [PAD]) in tokenizer.json's added tokens or vocab, or vocab.txt; else tokenizer.json's
    padding.pad_id; else 0."""
    root = Path(model_dir)
    tokenizer = _read_json(root / "tokenizer.json")
    pad_token = _read_json(root / "tokenizer_config.json").get("pad_token", "[PAD]")
    if isinstance(pad_token, dict):
        pad_token = pad_token.get("content", "[PAD]")
    for added in tokenizer.get("added_tokens", []):
        if added.get("content") == pad_token and isinstance(added.get("id"), int):
            return added["id"]
    vocab = tokenizer.get("model", {}).get("vocab")
    if isinstance(vocab, dict) and isinstance(vocab.get(pad_token), int):
        return vocab[pad_token]
    vocab_txt = root / "vocab.txt"
    if vocab_txt.is_file():
        with open(vocab_txt, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if line.rstrip("\n") == pad_token:
                    return i
    padding = tokenizer.get("padding")
    if isinstance(padding, dict) and isinstance(padding.get("pad_id"), int):
        return padding["pad_id"]
    return 0
