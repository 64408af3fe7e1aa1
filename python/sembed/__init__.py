"""sembed: sentence embeddings from the sembed C++ engine, with sentence-transformers' API.

    from sembed import SentenceTransformer
    model = SentenceTransformer()                  # the default model (all-MiniLM-L6-v2)
    embeddings = model.encode(["A man is eating food.", "A man is eating a meal."])
    scores = model.similarity(embeddings, embeddings)

See docs/python.md. `sembed.util` holds sentence-transformers' util functions on numpy arrays;
`sembed.ray_data` the callable class for Ray Data's map_batches.
"""

from . import util
from ._sembed import resolve_model_dir
from .sentence_transformer import SentenceTransformer

__version__ = "0.1.0"
__all__ = ["SentenceTransformer", "util", "resolve_model_dir", "__version__"]
