"""InfoNCE with in-batch negatives, as sentence-transformers' ``MultipleNegativesRankingLoss``.

For a batch of (query, positive, hard negative) embeddings, every query is scored against all
positives and all hard negatives of the batch by cosine similarity times ``scale`` (20, MNRL's
default, i.e. temperature 0.05); the loss is the cross-entropy of picking its own positive.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def info_nce(q: torch.Tensor, p: torch.Tensor, n: torch.Tensor | None = None, scale: float = 20.0) -> torch.Tensor:
    """Mean InfoNCE loss of queries ``q`` against positives ``p`` (+ hard negatives ``n``)."""
    docs = p if n is None else torch.cat([p, n], dim=0)
    scores = scale * F.normalize(q, dim=-1) @ F.normalize(docs, dim=-1).T
    return F.cross_entropy(scores, torch.arange(len(q), device=q.device))
