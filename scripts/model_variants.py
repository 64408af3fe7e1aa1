"""Model directories derived from a real one for tests (standard library only, so both the
golden-file scripts and the test suite can import it)."""
import json
import os
import pathlib
import shutil


def make_lowercasing_variant(model_dir, dest):
    """A copy of the model whose tokenizer keeps case and accents but whose
    sentence_bert_config.json says do_lower_case, so sentence-transformers lowercases the text
    itself. The weights are symlinked, not copied."""
    model_dir, dest = pathlib.Path(model_dir), pathlib.Path(dest)
    shutil.copytree(model_dir, dest, ignore=shutil.ignore_patterns("model.safetensors"))
    os.symlink(model_dir.resolve() / "model.safetensors", dest / "model.safetensors")

    def edit(name, **changes):
        path = dest / name
        data = json.loads(path.read_text())
        for key, value in changes.items():
            target = data
            *parents, last = key.split("__")
            for p in parents:
                target = target[p]
            target[last] = value
        path.write_text(json.dumps(data))

    edit("tokenizer.json", normalizer__lowercase=False, normalizer__strip_accents=False)
    # transformers builds the normalizer from tokenizer_config.json when it has these keys.
    edit("tokenizer_config.json", do_lower_case=False, strip_accents=False)
    edit("sentence_bert_config.json", do_lower_case=True)
    return dest


PROMPT_VARIANT_PROMPTS = {"query": "query: ", "document": "passage: "}


def make_prompt_variant(model_dir, dest):
    """A copy of the model with saved prompts (config_sentence_transformers.json:
    PROMPT_VARIANT_PROMPTS) and a Pooling module that leaves prompt tokens out
    (1_Pooling/config.json include_prompt: false), as instruction-tuned models ship. The weights
    are symlinked, not copied."""
    model_dir, dest = pathlib.Path(model_dir), pathlib.Path(dest)
    shutil.copytree(model_dir, dest, ignore=shutil.ignore_patterns("model.safetensors"))
    os.symlink(model_dir.resolve() / "model.safetensors", dest / "model.safetensors")
    config_path = dest / "config_sentence_transformers.json"
    config = json.loads(config_path.read_text()) if config_path.exists() else {}
    config["prompts"] = dict(PROMPT_VARIANT_PROMPTS)
    config["default_prompt_name"] = None
    config_path.write_text(json.dumps(config))
    pooling_path = dest / "1_Pooling" / "config.json"
    pooling = json.loads(pooling_path.read_text())
    pooling["include_prompt"] = False
    pooling_path.write_text(json.dumps(pooling))
    return dest
