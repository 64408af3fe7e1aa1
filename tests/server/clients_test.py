"""Real client libraries against the real `sembed serve` binary (the openai client has its own
file, openai_client_test.py):

- huggingface_hub InferenceClient(base_url=server): feature_extraction (POST /) and
  sentence_similarity (POST / with {source_sentence, sentences}) give exactly the server's own
  /embed vectors and /similarity scores;
- langchain-openai OpenAIEmbeddings with its defaults sends token ids (it tokenizes with tiktoken
  first): the server refuses them with a 400 that says to set check_embedding_ctx_length=False;
  with that setting, embed_documents / embed_query give exactly the /v1/embeddings vectors.

    clients_test.py BUILD/sembed

tiktoken downloads its cl100k_base table from the internet, which test machines cannot reach; the
test registers a byte-level stand-in encoding under that name, so langchain still sends integer
token ids, as it does with cl100k — the server's answer does not depend on which ids they are.
"""
import json
import sys

import numpy as np

from serve_process import ServeProcess


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def offline_tiktoken():
    import tiktoken

    ranks = {bytes([i]): i for i in range(256)}
    enc = tiktoken.Encoding(name="cl100k_base", pat_str=r"\S+|\s+", mergeable_ranks=ranks,
                            special_tokens={})
    tiktoken.get_encoding = lambda name: enc
    tiktoken.encoding_for_model = lambda model: enc


def huggingface_hub_client(srv):
    from huggingface_hub import InferenceClient

    client = InferenceClient(base_url=srv.url)
    text = "A man is eating food."
    got = client.feature_extraction(text)
    _, _, body = srv.request("POST", "/embed", {"inputs": text})
    want = np.array(json.loads(body), dtype=np.float32)
    check(np.array_equal(np.asarray(got, dtype=np.float32).reshape(want.shape), want),
          "huggingface_hub feature_extraction == /embed, bit for bit")

    sentences = ["A man is eating a piece of bread.", "A man is riding a horse."]
    scores = client.sentence_similarity(text, other_sentences=sentences)
    _, _, body = srv.request("POST", "/similarity",
                             {"inputs": {"source_sentence": text, "sentences": sentences}})
    check(list(np.float32(scores)) == list(np.float32(json.loads(body))),
          f"huggingface_hub sentence_similarity == /similarity: {scores}")


def langchain_openai_client(srv):
    import openai
    from langchain_openai import OpenAIEmbeddings

    offline_tiktoken()
    texts = ["A man is eating food.", "A man is riding a horse."]
    default = OpenAIEmbeddings(model="text-embedding-3-small", base_url=srv.url + "/v1",
                               api_key="unused", max_retries=0)
    try:
        default.embed_documents(texts)
        raise AssertionError("token ids from langchain's default settings were accepted")
    except openai.BadRequestError as e:
        check("check_embedding_ctx_length=False" in str(e),
              f"langchain-openai defaults: a 400 saying what to set ({str(e)[:90]}...)")

    configured = OpenAIEmbeddings(model="all-MiniLM-L6-v2", base_url=srv.url + "/v1",
                                  api_key="unused", check_embedding_ctx_length=False,
                                  max_retries=0)
    docs = np.array(configured.embed_documents(texts), dtype=np.float32)
    query = np.array(configured.embed_query(texts[0]), dtype=np.float32)
    _, _, body = srv.request("POST", "/v1/embeddings", {"input": texts})
    want = np.array([d["embedding"] for d in json.loads(body)["data"]], dtype=np.float32)
    check(np.array_equal(docs, want), "langchain-openai embed_documents == /v1/embeddings")
    check(np.array_equal(query, want[0]), "langchain-openai embed_query == /v1/embeddings")


def decode_matches_tokenizers(srv):
    """/decode against Hugging Face tokenizers' decode of the model's own tokenizer.json."""
    import tokenizers

    _, _, body = srv.request("GET", "/info")
    _, _, tok = srv.request("POST", "/tokenize", {"inputs": ["Héllo, world! It's 3.5 km.",
                                                            "naïve café-goers"]})
    ids = [[t["id"] for t in seq] for seq in json.loads(tok)]
    ref = tokenizers.Tokenizer.from_file(srv.model_dir + "/tokenizer.json")
    for skip in (True, False):
        _, _, got = srv.request("POST", "/decode", {"ids": ids, "skip_special_tokens": skip})
        want = [ref.decode(s, skip_special_tokens=skip) for s in ids]
        check(json.loads(got) == want, f"/decode == tokenizers decode (skip={skip}): {want}")


def main(binary):
    with ServeProcess(binary) as srv:
        decode_matches_tokenizers(srv)
        huggingface_hub_client(srv)
        langchain_openai_client(srv)
    print("clients test: ok")


if __name__ == "__main__":
    main(sys.argv[1])
