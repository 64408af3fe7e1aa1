"""The OpenAI response shape, checked with the official `openai` Python client (PyPI) against
`sembed serve`: float and base64 encodings (the client asks for base64 by default and decodes it
with numpy), dimensions, token-id inputs, model echo, usage, the API key, and that errors arrive
as the client's typed exceptions; and, on the roberta-prompts fixture, `prompt_name` sent with
`extra_body` (and `--default-prompt-name`) gives sentence-transformers' rows.

Usage: openai_client_test.py SEMBED_BINARY
"""
import json
import os
import sys

import numpy as np
import openai

from serve_process import ServeProcess


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def main(binary):
    with ServeProcess(binary, "--api-key", "test-key", "--openai-token-ids", "model") as srv:
        client = openai.OpenAI(base_url=srv.url + "/v1", api_key="test-key", max_retries=0)
        texts = ["A man is eating food.", "A man is eating a piece of bread.",
                 "The girl is carrying a baby.", ""]

        # Default: the client requests base64 and decodes it into floats.
        r = client.embeddings.create(model="all-MiniLM-L6-v2", input=texts)
        check(r.object == "list", f"object {r.object}")
        check(r.model == "all-MiniLM-L6-v2", f"model {r.model}")
        check(len(r.data) == len(texts), "one embedding per input")
        for i, d in enumerate(r.data):
            check(d.index == i and d.object == "embedding", f"data[{i}] {d.index} {d.object}")
            check(len(d.embedding) == 384, f"dimension {len(d.embedding)}")
            check(abs(np.linalg.norm(d.embedding) - 1) < 1e-5, "unit vectors")
        check(r.usage.prompt_tokens == r.usage.total_tokens > 0, f"usage {r.usage}")
        base64_vectors = np.array([d.embedding for d in r.data], dtype=np.float32)

        # Explicit float encoding gives the same numbers (shortest round-trip decimals).
        f = client.embeddings.create(model="whatever-name", input=texts, encoding_format="float")
        check(f.model == "whatever-name", "model echoed")
        float_vectors = np.array([d.embedding for d in f.data], dtype=np.float32)
        check(np.array_equal(base64_vectors, float_vectors), "base64 == float")
        check(f.usage.prompt_tokens == r.usage.prompt_tokens, "same usage")

        # Known semantics: the seed sentences' similarities (mean pooling, unit vectors).
        sims = float_vectors[1:3] @ float_vectors[0]
        check(sims[0] > 0.6 and sims[1] < 0.2, f"similarities {sims}")

        # A single string, dimensions (truncate + renormalize).
        d = client.embeddings.create(model="m", input="A man is eating food.", dimensions=64)
        v = np.array(d.data[0].embedding, dtype=np.float32)
        check(v.shape == (64,), f"dimensions shape {v.shape}")
        want = float_vectors[0][:64] / np.linalg.norm(float_vectors[0][:64])
        check(np.allclose(v, want, atol=1e-6), "dimensions renormalized")

        # Token ids (with [CLS]/[SEP], as /tokenize returns them) equal the text.
        status, _, body = srv.request("POST", "/tokenize", {"content": texts[0], "add_special": True},
                                      headers={"Authorization": "Bearer test-key"})
        check(status == 200, f"tokenize {status} {body}")
        ids = json.loads(body)["tokens"]
        t = client.embeddings.create(model="m", input=[ids, ids], encoding_format="float")
        check(np.array_equal(np.array(t.data[1].embedding, dtype=np.float32), float_vectors[0]),
              "token ids == text")
        check(t.usage.prompt_tokens == 2 * len(ids), "usage counts token ids")

        # Errors become the client's typed exceptions, with the server's message.
        try:
            client.embeddings.create(model="m", input=[], encoding_format="float")
            raise AssertionError("empty input accepted")
        except openai.BadRequestError as e:
            check("input" in str(e), f"message names the field: {e}")
        try:
            client.embeddings.create(model="m", input="x", dimensions=100000)
            raise AssertionError("dimensions accepted")
        except openai.BadRequestError as e:
            check("dimensions" in str(e), f"message names the field: {e}")
        bad = openai.OpenAI(base_url=srv.url + "/v1", api_key="wrong", max_retries=0)
        try:
            bad.embeddings.create(model="m", input="x")
            raise AssertionError("wrong key accepted")
        except openai.AuthenticationError:
            pass
    check_prompts(binary)
    print("openai client test: ok")


def check_prompts(binary):
    """prompt_name through the SDK's extra_body, and the server's --default-prompt-name, against
    sentence-transformers' rows in the fixture's reference.json (the model ends with Normalize)."""
    fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "families",
                           "roberta-prompts")
    with open(os.path.join(fixture, "reference.json")) as f:
        ref = json.load(f)
    rows = {}
    for c in ref["cases"]:
        if c["pooling"] in (None, "mean") and c["prompt"] is None and c["prompt_name"] is not None:
            rows[c["prompt_name"]] = np.array(c["embeddings"], dtype=np.float32)
    with ServeProcess(binary, "--model", fixture, "--default-prompt-name", "passage") as srv:
        client = openai.OpenAI(base_url=srv.url + "/v1", api_key="unused", max_retries=0)
        for name, extra in (("query", {"prompt_name": "query"}), ("passage", None)):
            r = client.embeddings.create(model="m", input=ref["texts"], extra_body=extra)
            got = np.array([d.embedding for d in r.data], dtype=np.float32)
            worst = float(np.abs(got - rows[name]).max())
            check(worst <= 1e-5, f"prompt {name}: largest difference {worst}")
        try:
            client.embeddings.create(model="m", input="x", extra_body={"prompt_name": "search"})
            raise AssertionError("unknown prompt_name accepted")
        except openai.BadRequestError as e:
            check("document, passage, query" in str(e), f"message lists the prompts: {e}")


if __name__ == "__main__":
    main(sys.argv[1])
