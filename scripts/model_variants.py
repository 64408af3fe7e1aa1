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
