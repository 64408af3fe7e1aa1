"""sembed: sentence embeddings from the sembed C++ engine, with sentence-transformers' API.

    from sembed import SentenceTransformer
    model = SentenceTransformer()                  # the default model (all-MiniLM-L6-v2)
    embeddings = model.encode(["A man is eating food.", "A man is eating a meal."])
    scores = model.similarity(embeddings, embeddings)

    from sembed import CrossEncoder
    reranker = CrossEncoder("path/to/cross-encoder")
    ranked = reranker.rank("how do I reset my card?", documents)

See docs/python.md. `sembed.util` holds sentence-transformers' util functions on numpy arrays;
`sembed.ray_data` the callable class for Ray Data's map_batches.
"""

from . import util
from ._sembed import resolve_model_dir
from .cross_encoder import CrossEncoder
from .sentence_transformer import SentenceTransformer

__version__ = "0.1.0"
__all__ = ["SentenceTransformer", "CrossEncoder", "util", "resolve_model_dir", "__version__"]
