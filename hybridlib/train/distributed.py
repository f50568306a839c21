"""Multi-process training under ``torchrun``: which rank stores results, and waiting for it.

The sentence-transformers trainer does the distributed training itself (it reads ``RANK`` /
``WORLD_SIZE`` from ``torchrun``); every rank trains. Evaluation and the results store are rank 0's
job only: the other ranks wait at a barrier, then read the record rank 0 wrote. Batches are dealt
whole to ranks by the strategy sampler, so each rank's batch is one composed batch (mono or
cross-lingual), and in-batch negatives stay inside it (``gather_across_devices=False``: gathering
would mix a German-only batch with a Chinese-only one and break X-X-mono).
"""

from __future__ import annotations

import os


def rank() -> int:
    """This process's global rank (0 outside ``torchrun``)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """Number of training processes (1 outside ``torchrun``)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main() -> bool:
    """True on the rank that evaluates and writes results (rank 0)."""
    return rank() == 0


def barrier() -> None:
    """Wait for every rank (a no-op in a single process or before the trainer set up the group)."""
    if world_size() == 1:
        return
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


__all__ = ["rank", "world_size", "is_main", "barrier"]
