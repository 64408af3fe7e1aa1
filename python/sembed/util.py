"""sembed.util: sentence-transformers' util functions on numpy arrays (no torch).

Same arguments, same meaning and the same results as sentence_transformers.util (checked by
tests/python/test_util.py against goldens that sentence-transformers produced), except that
scores come back as numpy arrays instead of torch tensors, and equal scores are ordered by the
lower index first (torch.topk leaves that order unspecified).
Covered: normalize_embeddings, truncate_embeddings, cos_sim, dot_score, euclidean_sim,
manhattan_sim and their pairwise_ forms, semantic_search, paraphrase_mining(_embeddings),
community_detection, quantize_embeddings. Sparse tensors and faiss/usearch search are not.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

_EPS = 1e-12  # torch.nn.functional.normalize's default eps
_DISTANCE_CHUNK = 1 << 24  # floats per intermediate block in the distance functions


def _as_2d(a) -> np.ndarray:
    """A float matrix from an array, a list of vectors or one vector (which becomes one row)."""
    if isinstance(a, (list, tuple)) and a and isinstance(a[0], np.ndarray):
        a = np.stack(a)
    a = np.asarray(a)
    if a.dtype.kind not in "f":
        a = a.astype(np.float32)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"expected a vector or a matrix of embeddings, got an array of shape {a.shape}")
    return a


def _as_float(a) -> np.ndarray:
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float32)


def normalize_embeddings(embeddings) -> np.ndarray:
    """Each row divided by its L2 norm (rows of norm below 1e-12 by 1e-12)."""
    embeddings = _as_float(embeddings)
    norms = np.linalg.norm(embeddings, axis=-1, keepdims=True)
    return embeddings / np.maximum(norms, np.asarray(_EPS, dtype=embeddings.dtype))


def truncate_embeddings(embeddings, truncate_dim: int | None) -> np.ndarray:
    """The first `truncate_dim` dimensions of each embedding (all of them for None)."""
    return embeddings[..., :truncate_dim]


# --- similarity matrices ----------------------------------------------------------------------
def cos_sim(a, b) -> np.ndarray:
    """res[i][j] = cosine similarity of a[i] and b[j]."""
    return normalize_embeddings(_as_2d(a)) @ normalize_embeddings(_as_2d(b)).T


def dot_score(a, b) -> np.ndarray:
    """res[i][j] = dot product of a[i] and b[j]."""
    return _as_2d(a) @ _as_2d(b).T


def _negated_distances(a, b, reduce: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    a, b = _as_2d(a), _as_2d(b)
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.result_type(a, b))
    rows = max(1, _DISTANCE_CHUNK // max(1, b.shape[0] * a.shape[1]))
    for start in range(0, a.shape[0], rows):
        diff = a[start : start + rows, None, :] - b[None, :, :]
        out[start : start + rows] = -reduce(diff)
    return out


def euclidean_sim(a, b) -> np.ndarray:
    """res[i][j] = -euclidean distance of a[i] and b[j]."""
    return _negated_distances(a, b, lambda d: np.sqrt(np.einsum("ijk,ijk->ij", d, d)))


def manhattan_sim(a, b) -> np.ndarray:
    """res[i][j] = -manhattan distance of a[i] and b[j]."""
    return _negated_distances(a, b, lambda d: np.abs(d).sum(axis=-1))


def pairwise_cos_sim(a, b) -> np.ndarray:
    return pairwise_dot_score(normalize_embeddings(a), normalize_embeddings(b))


def pairwise_dot_score(a, b) -> np.ndarray:
    return (_as_float(a) * _as_float(b)).sum(axis=-1)


def pairwise_euclidean_sim(a, b) -> np.ndarray:
    return -np.linalg.norm(_as_float(a) - _as_float(b), axis=-1)


def pairwise_manhattan_sim(a, b) -> np.ndarray:
    return -np.abs(_as_float(a) - _as_float(b)).sum(axis=-1)


SIMILARITY_FUNCTIONS = {"cosine": cos_sim, "dot": dot_score, "euclidean": euclidean_sim, "manhattan": manhattan_sim}
PAIRWISE_SIMILARITY_FUNCTIONS = {
    "cosine": pairwise_cos_sim,
    "dot": pairwise_dot_score,
    "euclidean": pairwise_euclidean_sim,
    "manhattan": pairwise_manhattan_sim,
}


def _top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row the k best (index, score), best first, ties to the lower index."""
    k = min(k, scores.shape[1])
    if k <= 0:
        empty = np.zeros((scores.shape[0], 0), dtype=np.int64)
        return empty, empty.astype(scores.dtype)
    # argpartition narrows to candidates; a stable sort on (-score, index) fixes the order.
    if k < scores.shape[1]:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        # Keep every column tied with the k-th score so the lower-index rule can apply.
        kth = np.take_along_axis(scores, part, axis=1).min(axis=1, keepdims=True)
        idx = []
        for row, threshold in zip(scores, kth[:, 0]):
            cand = np.flatnonzero(row >= threshold)
            order = np.lexsort((cand, -row[cand]))[:k]
            idx.append(cand[order])
        idx = np.array(idx, dtype=np.int64)
    else:
        idx = np.lexsort((np.broadcast_to(np.arange(scores.shape[1]), scores.shape), -scores), axis=1)
    return idx, np.take_along_axis(scores, idx, axis=1)


# --- search and mining ------------------------------------------------------------------------
def semantic_search(
    query_embeddings,
    corpus_embeddings,
    query_chunk_size: int = 100,
    corpus_chunk_size: int = 500000,
    top_k: int = 10,
    score_function: Callable = cos_sim,
) -> list[list[dict]]:
    """For each query, the top_k corpus entries as {"corpus_id", "score"} dicts, best first."""
    queries, corpus = _as_2d(query_embeddings), _as_2d(corpus_embeddings)
    if score_function is cos_sim:
        # Normalize once; the dot products are then the cosine scores.
        queries, corpus, score_function = normalize_embeddings(queries), normalize_embeddings(corpus), dot_score
    best: list[list[tuple[float, int]]] = [[] for _ in range(len(queries))]
    for c_start in range(0, len(corpus), corpus_chunk_size):
        corpus_chunk = corpus[c_start : c_start + corpus_chunk_size]
        for q_start in range(0, len(queries), query_chunk_size):
            scores = np.asarray(score_function(queries[q_start : q_start + query_chunk_size], corpus_chunk))
            idx, values = _top_k(scores, top_k)
            for row, (ids, vals) in enumerate(zip(idx, values)):
                merged = best[q_start + row] + [(float(v), int(i) + c_start) for i, v in zip(ids, vals)]
                merged.sort(key=lambda hit: (-hit[0], hit[1]))
                best[q_start + row] = merged[:top_k]
    return [[{"corpus_id": i, "score": s} for s, i in hits] for hits in best]


def paraphrase_mining(
    model,
    sentences: Sequence[str],
    show_progress_bar: bool = False,
    batch_size: int = 32,
    query_chunk_size: int = 5000,
    corpus_chunk_size: int = 100000,
    max_pairs: int = 500000,
    top_k: int = 100,
    score_function: Callable = cos_sim,
    truncate_dim: int | None = None,
    prompt_name: str | None = None,
    prompt: str | None = None,
) -> list[list]:
    """[score, i, j] (i < j) of the most similar sentence pairs, best first."""
    embeddings = model.encode(
        list(sentences),
        show_progress_bar=show_progress_bar,
        batch_size=batch_size,
        truncate_dim=truncate_dim,
        prompt_name=prompt_name,
        prompt=prompt,
    )
    return paraphrase_mining_embeddings(
        embeddings,
        query_chunk_size=query_chunk_size,
        corpus_chunk_size=corpus_chunk_size,
        max_pairs=max_pairs,
        top_k=top_k,
        score_function=score_function,
    )


def paraphrase_mining_embeddings(
    embeddings,
    query_chunk_size: int = 5000,
    corpus_chunk_size: int = 100000,
    max_pairs: int = 500000,
    top_k: int = 100,
    score_function: Callable = cos_sim,
) -> list[list]:
    """Each embedding's top_k neighbours (itself excluded) make candidate pairs; the max_pairs
    best of them as [score, i, j] with i < j, best first."""
    embeddings = _as_2d(embeddings)
    n = len(embeddings)
    pairs: dict[tuple[int, int], float] = {}
    for q_start in range(0, n, query_chunk_size):
        queries = embeddings[q_start : q_start + query_chunk_size]
        # top_k + 1 so that the query itself can be dropped; kept across corpus chunks.
        cand_idx = cand_val = None
        for c_start in range(0, n, corpus_chunk_size):
            scores = np.asarray(score_function(queries, embeddings[c_start : c_start + corpus_chunk_size]))
            idx, vals = _top_k(scores, top_k + 1)
            idx = idx + c_start
            if cand_idx is None:
                cand_idx, cand_val = idx, vals
            else:
                all_idx, all_val = np.concatenate([cand_idx, idx], 1), np.concatenate([cand_val, vals], 1)
                keep, _ = _top_k(_rank_key(all_val, all_idx), top_k + 1)
                cand_idx, cand_val = np.take_along_axis(all_idx, keep, 1), np.take_along_axis(all_val, keep, 1)
        for row in range(len(queries)):
            i = q_start + row
            neighbours = [(int(j), float(s)) for j, s in zip(cand_idx[row], cand_val[row]) if j != i][:top_k]
            for j, s in neighbours:
                pairs.setdefault((min(i, j), max(i, j)), s)
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:max_pairs]
    return [[s, i, j] for (i, j), s in ranked]


def _rank_key(values: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Scores re-ranked so that _top_k over merged columns breaks ties by the original index."""
    order = np.lexsort((indices, -values), axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(values.shape[1])[None, :].repeat(len(values), 0), axis=1)
    return -rank.astype(np.float64)


def community_detection(
    embeddings,
    threshold: float = 0.75,
    min_community_size: int = 10,
    batch_size: int = 1024,
    show_progress_bar: bool = False,
) -> list[list[int]]:
    """Communities of embeddings whose cosine similarity to a central embedding is at least
    `threshold`, each of at least min_community_size members, not overlapping, largest first;
    the first index of each is its centre."""
    if len(embeddings) == 0:
        return []
    embeddings = normalize_embeddings(_as_2d(embeddings))
    n = len(embeddings)
    if n < min_community_size:
        return []
    threshold = np.asarray(threshold, dtype=embeddings.dtype)
    candidates = []
    for start in range(0, n, batch_size):
        scores = embeddings[start : start + batch_size] @ embeddings.T
        kth_best = -np.partition(-scores, min_community_size - 1, axis=1)[:, min_community_size - 1]
        for row in np.flatnonzero(kth_best >= threshold):
            members = np.flatnonzero(scores[row] >= threshold)
            members = members[np.lexsort((members, -scores[row][members]))]
            candidates.append((start + int(row), members))
    candidates.sort(key=lambda c: len(c[1]), reverse=True)  # stable: equal sizes keep centre order
    used = np.zeros(n, dtype=bool)
    communities = []
    for centre, members in candidates:
        if used[centre]:
            continue
        free = members[~used[members]]
        if len(free) >= min_community_size:
            community = [centre] + free[free != centre].tolist()
            communities.append(community)
            used[community] = True
    return sorted(communities, key=len, reverse=True)


# --- quantization -----------------------------------------------------------------------------
def quantize_embeddings(embeddings, precision: str, ranges: np.ndarray | None = None, calibration_embeddings=None):
    """Embeddings in a lower precision, as sentence-transformers' quantize_embeddings:
    int8 / uint8: 256 buckets per dimension between `ranges` [2, dim] (min row, max row), taken
    from calibration_embeddings or else from `embeddings` themselves; binary / ubinary: one bit per
    dimension (value > 0), packed 8 per byte (binary as int8 offset by -128). A list of
    [n_tokens, dim] matrices is quantized with ranges shared by all of them."""
    if precision not in ("float32", "int8", "uint8", "binary", "ubinary"):
        raise ValueError(f"Precision {precision!r} is not supported")
    if isinstance(embeddings, list):
        if not embeddings:
            return []
        if isinstance(embeddings[0], np.ndarray) and embeddings[0].ndim == 2:
            if precision.endswith("int8") and ranges is None:
                sample = np.concatenate(embeddings) if calibration_embeddings is None else calibration_embeddings
                if len(sample):
                    ranges = _ranges(sample, precision, calibration_embeddings)
            return [quantize_embeddings(m, precision, ranges, calibration_embeddings) for m in embeddings]
        embeddings = np.array(embeddings)
    embeddings = np.asarray(embeddings)
    if embeddings.dtype in (np.int8, np.uint8):
        raise ValueError("Embeddings to quantize must be float rather than int8 or uint8.")
    if embeddings.ndim == 2 and embeddings.shape[0] == 0:
        dim = embeddings.shape[1]
        signed = precision in ("int8", "binary")
        width = dim if precision.endswith("int8") else (dim + 7) // 8
        if precision != "float32":
            return np.zeros((0, width), dtype=np.int8 if signed else np.uint8)
    if precision == "float32":
        return embeddings.astype(np.float32)
    if precision.endswith("int8"):
        if ranges is None:
            ranges = _ranges(embeddings, precision, calibration_embeddings)
        ranges = np.asarray(ranges).astype(np.float32, copy=False)
        low = ranges[0]
        step = (ranges[1] - low) / 255
        step = np.where(step == 0, 1, step)
        buckets = np.clip(np.floor((embeddings - low) / step), 0, 255)
        return buckets.astype(np.uint8) if precision == "uint8" else (buckets - 128).astype(np.int8)
    bits = np.packbits(embeddings > 0, axis=-1)
    if precision == "ubinary":
        return bits
    return (bits.astype(np.int16) - 128).astype(np.int8)


def _ranges(embeddings: np.ndarray, precision: str, calibration_embeddings) -> np.ndarray:
    sample = calibration_embeddings
    if sample is None:
        if embeddings.ndim == 1 or embeddings.shape[0] == 1:
            raise ValueError(
                f"Cannot compute {precision} quantization ranges from a single embedding. Call "
                "`quantize_embeddings` with `ranges` or `calibration_embeddings` from a representative set instead."
            )
        sample = embeddings
    sample = np.asarray(sample)
    return np.vstack((sample.min(axis=0), sample.max(axis=0)))
