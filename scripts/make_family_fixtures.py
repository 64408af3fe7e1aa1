#!/usr/bin/env python3
"""Writes tests/fixtures/families/<name>/: small random-weight sentence-transformers models, one
per model family and module combination, with sentence-transformers' own encode() outputs, so CI
checks sembed's families without torch.

Each fixture is built with transformers' native class (BertModel, RobertaModel, XLMRobertaModel,
CamembertModel, MPNetModel, DistilBertModel; eager attention), unusual sizes and odd head counts,
a small WordPiece tokenizer (tokenizers) or one of the tokenizer tests' own (SentencePiece
Unigram in XLM-R's layout, byte-level BPE), and sentence-transformers modules (Pooling with
include_prompt true/false, Dense with each activation sentence-transformers writes, bias or not,
Normalize before, between or after Dense), prompts in config_sentence_transformers.json; saved
by SentenceTransformer.save (safetensors, or pytorch_model.bin for the *-bin fixtures) and
reloaded from disk before encoding, so the reference reads the very files sembed reads.

Weights are not the default init: every tensor gets O(1)-scale noise (as
make_tiny_bert_fixture.py) so every weight, bias and LayerNorm parameter visibly moves the output.

Files per fixture: the model directory, plus reference.json:
  {"texts": [...], "max_seq_length": N,
   "cases": [{"pooling": mode or null (the model's), "prompt_name": name or null,
              "prompt": text or null, "embeddings": [[...]]}]}
Each case is SentenceTransformer.encode(texts, prompt_name=, prompt=) with the Pooling module's
mode switched to `pooling` (float32 values as shortest-repr decimals: they round-trip exactly).

Also writes tests/golden/mpnet_relative_buckets.json (transformers' MPNet bucket function).

Usage: bench/.venv/bin/python scripts/make_family_fixtures.py [--out tests/fixtures/families]
(sentence-transformers 6.2, transformers 5.24, torch 2.15; ~1 minute on 2 cores.)
"""
import argparse
import json
import os
import shutil
import tempfile

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import (BertConfig, BertModel, CamembertConfig, CamembertModel, DistilBertConfig,
                          DistilBertModel, GteConfig, GteModel, ModernBertConfig, ModernBertModel, MPNetConfig,
                          MPNetModel, NomicBertConfig, NomicBertModel, PreTrainedTokenizerFast,
                          RobertaConfig, RobertaModel, XLMRobertaConfig, XLMRobertaModel)

WORDS = ("the a an of to and in is was for on that with as by at from it this be are or his her "
         "their which one new first two cat dog sat mat man woman child plays guitar piano music "
         "runs walks park river city house car road train plane bird tree sun rain snow cold warm "
         "quick brown fox jumps over lazy eating food bread apple orange red blue green big small "
         "old young happy sad fast slow reads book writes letter sings song dances talks phone "
         "computer water coffee tea morning night day week year time people world life work").split()
PIECES = ["##s", "##ing", "##ed", "##er", "##ly", "##es", "##y", "##n", "##t", "##e", "##a", "##o",
          "##i", "##r", "##l"]


def texts_for(max_seq_length):
    rng = np.random.default_rng(11)
    long_words = " ".join(rng.choice(WORDS, size=max_seq_length + 40).tolist())
    at_limit = " ".join(rng.choice(WORDS, size=max_seq_length - 2).tolist())
    return [
        "A man is playing a guitar.",
        "The quick brown fox jumps over the lazy dog!",
        "",
        "Cats sat on mats, dogs walked in parks; birds sang songs.",
        "zebra xylophone quokka",  # mostly unknown / sub-word pieces
        "Her <pad> book",  # a literal pad token: a real token (attention mask 1), not padding
        "one",
        at_limit,  # exactly max_seq_length tokens with specials (all words are single tokens)
        long_words,  # beyond max_seq_length: truncated
        "Reading a book in the morning with coffee, she writes a letter to her old friend.",
    ]


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Fixtures whose tokenizer is one of the tokenizer tests' own (SentencePiece Unigram in XLM-R's
# layout, byte-level BPE with RobertaProcessing): `roberta_style` names the directory instead.
REAL_TOKENIZERS = {
    "unigram-xlmr": os.path.join(ROOT, "tests", "tokenizer", "unigram", "xlmr-nmt-nfkc"),
    "bpe-roberta": os.path.join(ROOT, "tests", "tokenizer", "bpe", "roberta"),
}


def make_tokenizer(roberta_style, out_dir, max_len):
    if roberta_style in REAL_TOKENIZERS:
        src = os.path.join(REAL_TOKENIZERS[roberta_style], "tokenizer.json")
        tok = Tokenizer.from_file(src)
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=max_len,
                                       pad_token="<pad>", unk_token="<unk>", cls_token="<s>",
                                       sep_token="</s>", mask_token="<mask>", bos_token="<s>",
                                       eos_token="</s>")
        fast.save_pretrained(out_dir)
        return tok.get_vocab_size(), tok.token_to_id("<pad>")
    if roberta_style:
        specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        cls, pad, sep, unk, mask = specials
    else:
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        pad, unk, cls, sep, mask = specials
    chars = list("abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"-()")
    tokens = list(dict.fromkeys(specials + chars + PIECES + WORDS))  # no duplicates: dense ids
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token=unk, max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    if roberta_style:
        tok.post_processor = processors.RobertaProcessing((sep, vocab[sep]), (cls, vocab[cls]))
    else:
        tok.post_processor = processors.BertProcessing((sep, vocab[sep]), (cls, vocab[cls]))
    tok.add_special_tokens(specials)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=max_len, pad_token=pad,
                                   unk_token=unk, cls_token=cls, sep_token=sep, mask_token=mask,
                                   bos_token=cls if roberta_style else None,
                                   eos_token=sep if roberta_style else None)
    fast.save_pretrained(out_dir)
    return len(vocab), vocab[pad]


def randomize(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if ("LayerNorm.weight" in name or "layer_norm.weight" in name
                    or name.endswith("norm.weight")):
                p.copy_(1.0 + 0.3 * r)
            elif name.endswith("bias"):
                p.copy_(0.2 * r)
            elif "embeddings" in name or "relative_attention_bias" in name:
                p.copy_(r)
            else:
                p.copy_(r / np.sqrt(p.shape[-1]) * 1.5)


ACT = {"tanh": torch.nn.Tanh, "identity": torch.nn.Identity, "relu": torch.nn.ReLU,
       "gelu": torch.nn.GELU, "sigmoid": torch.nn.Sigmoid, "silu": torch.nn.SiLU}

# name: (config class, model class, config kwargs, roberta-style tokenizer, pooling,
#        include_prompt, modules after pooling, prompts, default prompt, max_seq_length, weights)
FIXTURES = {
    "bert-dense": (BertConfig, BertModel,
                   dict(hidden_size=36, num_hidden_layers=2, num_attention_heads=3,
                        intermediate_size=52, max_position_embeddings=40, type_vocab_size=2),
                   False, "cls", True, [("dense", 20, True, "tanh"), ("normalize",)], {}, None, 32,
                   "safetensors"),
    "roberta-prompts": (RobertaConfig, RobertaModel,
                        dict(hidden_size=40, num_hidden_layers=2, num_attention_heads=5,
                             intermediate_size=64, max_position_embeddings=66, type_vocab_size=1,
                             layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2),
                        True, "mean", False, [("dense", 24, False, "relu"), ("normalize",)],
                        {"query": "query: ", "passage": "passage: "}, "query", 48, "safetensors"),
    "xlm-roberta-normalize-between": (
        XLMRobertaConfig, XLMRobertaModel,
        dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=40,
             max_position_embeddings=60, type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1,
             bos_token_id=0, eos_token_id=2),
        True, "max", True, [("dense", 28, True, "gelu"), ("normalize",), ("dense", 12, True, "sigmoid")],
        {"search_query": "search_query: "}, None, 58, "safetensors"),
    "camembert-bin": (CamembertConfig, CamembertModel,
                      dict(hidden_size=24, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=36, max_position_embeddings=40, type_vocab_size=1,
                           layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2),
                      True, "weightedmean", True, [("dense", 24, True, "identity"), ("dense", 16, False, "silu")],
                      {}, None, 38, "bin"),
    "mpnet": (MPNetConfig, MPNetModel,
              dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=6, intermediate_size=80,
                   max_position_embeddings=302, relative_attention_num_buckets=32, layer_norm_eps=1e-5,
                   pad_token_id=1, bos_token_id=0, eos_token_id=2),
              True, "mean", False, [("normalize",)],
              {"query": "Represent this sentence for searching relevant passages: ", "doc": ""},
              "query", 300, "safetensors"),
    "distilbert-sinusoidal": (DistilBertConfig, DistilBertModel,
                              dict(dim=30, n_layers=2, n_heads=5, hidden_dim=50,
                                   max_position_embeddings=48, sinusoidal_pos_embds=True,
                                   activation="relu", pad_token_id=0),
                              False, "lasttoken", True, [], {}, None, 40, "safetensors-no-positions"),
    "distilbert": (DistilBertConfig, DistilBertModel,
                   dict(dim=32, n_layers=2, n_heads=4, hidden_dim=44, max_position_embeddings=36,
                        activation="gelu", pad_token_id=0),
                   False, "mean_sqrt_len_tokens", True, [("normalize",)], {"q": "question: "}, None,
                   36, "safetensors"),
    # Fixtures over the tokenizer tests' own tokenizers (after the others: seeds go by position).
    # The multilingual layout: XLM-RoBERTa over a SentencePiece Unigram vocabulary.
    "xlm-roberta-unigram": (
        XLMRobertaConfig, XLMRobertaModel,
        dict(hidden_size=28, num_hidden_layers=2, num_attention_heads=7, intermediate_size=44,
             max_position_embeddings=50, type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1,
             bos_token_id=0, eos_token_id=2),
        "unigram-xlmr", "mean", True, [("normalize",)], {"query": "query: "}, "query", 48,
        "safetensors"),
    # A BERT encoder with another family's tokenizer (as paraphrase-multilingual-MiniLM does with
    # XLM-R's): any vocabulary, the tokenizer decides the special tokens.
    "bert-unigram": (BertConfig, BertModel,
                     dict(hidden_size=24, num_hidden_layers=2, num_attention_heads=3,
                          intermediate_size=40, max_position_embeddings=40, type_vocab_size=2,
                          pad_token_id=0),
                     "unigram-xlmr", "cls", True, [], {}, None, 40, "safetensors"),
    # RoBERTa over byte-level BPE, as all-distilroberta-v1.
    "roberta-bpe": (RobertaConfig, RobertaModel,
                    dict(hidden_size=30, num_hidden_layers=2, num_attention_heads=3,
                         intermediate_size=48, max_position_embeddings=58, type_vocab_size=1,
                         layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2),
                    "bpe-roberta", "mean", True, [("dense", 16, True, "tanh")], {}, None, 56,
                    "safetensors"),
    # Rotary families (after the others: seeds go by position).
    # NomicBERT: rotary over d = 12 (6 frequencies), SwiGLU, bias-free projections, token types,
    # nomic-embed's task prefixes as prompts; texts to 180 tokens.
    "nomic-bert": (NomicBertConfig, NomicBertModel,
                   dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=72, max_position_embeddings=200, type_vocab_size=2,
                        rope_parameters={"rope_type": "default", "rope_theta": 1000.0}),
                   False, "mean", True, [("normalize",)],
                   {"search_query": "search_query: ", "search_document": "search_document: "},
                   "search_query", 180, "safetensors"),
    # A NomicBERT whose config.json has the published nomic-embed field names (n_embd, n_head,
    # rotary_emb_base, ...): reference from the same directory with transformers' names.
    "nomic-bert-original": (NomicBertConfig, NomicBertModel,
                            dict(hidden_size=40, num_hidden_layers=2, num_attention_heads=5,
                                 intermediate_size=56, max_position_embeddings=160,
                                 type_vocab_size=2,
                                 rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
                            False, "cls", True, [], {"search_query": "search_query: "}, None, 150,
                            "nomic-original"),
    # ModernBERT over byte-level BPE: pre-norm, GeGLU, bias-free, global layers 0 and 3 and local
    # layers with a 16-token window (texts of 100-300 tokens cross it many times), two RoPE bases.
    "modernbert": (ModernBertConfig, ModernBertModel,
                   dict(hidden_size=48, num_hidden_layers=4, num_attention_heads=3,
                        intermediate_size=40, max_position_embeddings=320, local_attention=16,
                        global_attn_every_n_layers=3, pad_token_id=1, bos_token_id=0,
                        eos_token_id=2, cls_token_id=0, sep_token_id=2,
                        rope_parameters={"full_attention": {"rope_type": "default",
                                                            "rope_theta": 160000.0},
                                         "sliding_attention": {"rope_type": "default",
                                                               "rope_theta": 10000.0}}),
                   "bpe-roberta", "mean", True, [("normalize",)],
                   {"query": "search_query: "}, None, 300, "safetensors"),
    # ModernBERT with every bias on (norm_bias, attention_bias, mlp_bias), a 10-token window on
    # odd layers and head size 32 (the vectorised attention path).
    "modernbert-biases": (ModernBertConfig, ModernBertModel,
                          dict(hidden_size=64, num_hidden_layers=3, num_attention_heads=2,
                               intermediate_size=48, max_position_embeddings=140,
                               local_attention=20, global_attn_every_n_layers=2, norm_bias=True,
                               attention_bias=True, mlp_bias=True, norm_eps=1e-6,
                               pad_token_id=1, bos_token_id=0, eos_token_id=2, cls_token_id=0,
                               sep_token_id=2),
                          "bpe-roberta", "cls", True, [("dense", 24, True, "tanh")], {}, None,
                          128, "safetensors"),
    # GTE "new": post-norm, rotary, fused qkv with bias, [up | gate] MLP. The multilingual layout
    # (XLM-R's Unigram tokenizer, one token type) and the English one (WordPiece, no token types).
    "gte-multilingual": (GteConfig, GteModel,
                         dict(hidden_size=40, num_hidden_layers=2, num_attention_heads=4,
                              intermediate_size=60, max_position_embeddings=130, type_vocab_size=1,
                              layer_norm_eps=1e-12, pad_token_id=1,
                              rope_parameters={"rope_type": "default", "rope_theta": 160000.0}),
                         "unigram-xlmr", "cls", True, [("normalize",)], {"query": "query: "}, None,
                         120, "safetensors"),
    "gte-en": (GteConfig, GteModel,
               dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=52, max_position_embeddings=100, type_vocab_size=0,
                    layer_norm_eps=1e-12, pad_token_id=0, hidden_act="silu",
                    rope_parameters={"rope_type": "default", "rope_theta": 500.0}),
               False, "mean", True, [], {}, None, 96, "safetensors"),
    # Past 1,024 tokens global attention runs in tiles (ops/cpu/attention.cpp, attend_tiled):
    # texts to 1,400 tokens through a global and a local layer.
    "modernbert-long": (ModernBertConfig, ModernBertModel,
                        dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=24, max_position_embeddings=1500,
                             local_attention=128, global_attn_every_n_layers=2, pad_token_id=1,
                             bos_token_id=0, eos_token_id=2, cls_token_id=0, sep_token_id=2),
                        "bpe-roberta", "mean", True, [], {}, None, 1400, "safetensors"),
}

MODES = ["mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]


def f32(rows):
    return [[float(np.float32(v)) for v in row] for row in rows]


def build(name, spec, out_root, seed):
    (config_cls, model_cls, kwargs, roberta_style, pooling, include_prompt, modules, prompts,
     default_prompt, max_seq, weights) = spec
    out = os.path.join(out_root, name)
    shutil.rmtree(out, ignore_errors=True)
    tmp = tempfile.mkdtemp()
    try:
        vocab_size, _ = make_tokenizer(roberta_style, tmp, max_seq)
        kw = dict(kwargs)
        if config_cls is DistilBertConfig:
            kw.update(dropout=0.0, attention_dropout=0.0)
        elif config_cls is ModernBertConfig:
            kw.update(attention_dropout=0.0, embedding_dropout=0.0, mlp_dropout=0.0)
        else:
            kw.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
        config = config_cls(vocab_size=vocab_size, **kw)
        config._attn_implementation = "eager"
        torch.manual_seed(seed)
        hf = model_cls(config).eval()
        randomize(hf, seed)
        if config_cls is DistilBertConfig and kw.get("sinusoidal_pos_embds"):
            from transformers.models.distilbert.modeling_distilbert import create_sinusoidal_embeddings
            with torch.no_grad():
                create_sinusoidal_embeddings(config.max_position_embeddings, config.dim,
                                             hf.embeddings.position_embeddings.weight)
        hf.save_pretrained(tmp, safe_serialization=True)

        transformer = Transformer(tmp, max_seq_length=max_seq,
                                  model_kwargs={"attn_implementation": "eager"})
        dim = config.hidden_size
        mods = [transformer, Pooling(dim, pooling_mode=pooling, include_prompt=include_prompt)]
        for k, m in enumerate(modules):
            if m[0] == "normalize":
                mods.append(Normalize())
                continue
            _, out_dim, bias, act = m
            d = Dense(dim, out_dim, bias=bias, activation_function=ACT[act]())
            randomize(d, seed + 100 + k)
            mods.append(d)
            dim = out_dim
        st = SentenceTransformer(modules=mods, prompts=prompts or None,
                                 default_prompt_name=default_prompt, device="cpu")
        st.save(out, safe_serialization=(weights != "bin"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    reference_dir = out
    if weights == "nomic-original":
        # Encode with transformers' config; sembed reads the original one written over it below.
        reference_dir = out + ".transformers-layout"
        shutil.rmtree(reference_dir, ignore_errors=True)
        shutil.copytree(out, reference_dir)
        to_nomic_original_layout(out)
    if weights == "safetensors-no-positions":
        # The checkpoint lacks the sinusoidal table: transformers computes it at load.
        f = os.path.join(out, "model.safetensors")
        tensors = load_file(f)
        tensors = {k: v for k, v in tensors.items() if "position_embeddings" not in k}
        save_file(tensors, f, metadata={"format": "pt"})

    st = SentenceTransformer(reference_dir, device="cpu")
    st.eval()
    texts = texts_for(max_seq)
    cases = []

    def encode(**kw):
        with torch.no_grad():
            return st.encode(texts, convert_to_numpy=True, batch_size=4, **kw).astype(np.float32)

    pool_module = st[1]
    for mode in MODES:
        pool_module.pooling_mode = mode
        cases.append({"pooling": mode, "prompt_name": None, "prompt": None,
                      "embeddings": f32(encode())})
    pool_module.pooling_mode = pooling
    for pname in prompts:
        cases.append({"pooling": None, "prompt_name": pname, "prompt": None,
                      "embeddings": f32(encode(prompt_name=pname))})
    cases.append({"pooling": None, "prompt_name": None, "prompt": "",
                  "embeddings": f32(encode(prompt=""))})
    cases.append({"pooling": None, "prompt_name": None, "prompt": "task: ",
                  "embeddings": f32(encode(prompt="task: "))})
    with open(os.path.join(out, "reference.json"), "w") as fh:
        json.dump({"generator": "scripts/make_family_fixtures.py", "fixture": name,
                   "texts": texts, "max_seq_length": max_seq, "cases": cases}, fh)
    for junk in ("README.md",):
        p = os.path.join(out, junk)
        if os.path.exists(p):
            os.remove(p)
    if reference_dir != out:
        shutil.rmtree(reference_dir)
    print("wrote", out)


def to_nomic_original_layout(out):
    """Rewrites a saved transformers NomicBertModel's config.json with the field names of the
    published nomic-embed checkpoints (their trust_remote_code configuration). The tensors need
    no change: transformers 5 already saves them under the original names."""
    cfg_path = os.path.join(out, "config.json")
    with open(cfg_path) as fh:
        hf = json.load(fh)
    theta = hf["rope_parameters"]["rope_theta"]
    original = {
        "architectures": ["NomicBertModel"], "model_type": "nomic_bert",
        "vocab_size": hf["vocab_size"], "n_embd": hf["hidden_size"],
        "n_head": hf["num_attention_heads"], "n_layer": hf["num_hidden_layers"],
        "n_inner": hf["intermediate_size"], "n_positions": hf["max_position_embeddings"],
        "type_vocab_size": hf["type_vocab_size"], "layer_norm_epsilon": hf["layer_norm_eps"],
        "activation_function": "swiglu", "rotary_emb_base": theta, "rotary_emb_fraction": 1.0,
        "rotary_emb_interleaved": False, "rotary_scaling_factor": None, "prenorm": False,
        "qkv_proj_bias": False, "mlp_fc1_bias": False, "mlp_fc2_bias": False,
        "use_rms_norm": False, "causal": False, "pad_token_id": hf.get("pad_token_id", 0),
    }
    with open(cfg_path, "w") as fh:
        json.dump(original, fh, indent=2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests",
                                                      "fixtures", "families"))
    parser.add_argument("--only", default=None)
    args = parser.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    # MPNet's relative-position buckets, straight from transformers, for every relative position a
    # 514-position model can see (tests/families/relative_position_test.cpp).
    from transformers.models.mpnet.modeling_mpnet import MPNetEncoder
    rel = torch.arange(-600, 601)
    buckets = MPNetEncoder.relative_position_bucket(rel, num_buckets=32, max_distance=128)
    golden = os.path.join(os.path.dirname(__file__), "..", "tests", "golden",
                          "mpnet_relative_buckets.json")
    with open(golden, "w") as fh:
        json.dump({"generator": "scripts/make_family_fixtures.py", "first": -600,
                   "buckets": buckets.tolist()}, fh)
    for i, (name, spec) in enumerate(FIXTURES.items()):
        if args.only and name != args.only:
            continue
        build(name, spec, args.out, 20261201 + i)


if __name__ == "__main__":
    main()
