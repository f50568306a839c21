"""The cached-embedding track: a light map shared by queries and passages, trained on frozen
encoder embeddings with the same samplers and the same InfoNCE loss as full fine-tuning.

A run takes seconds, so the whole grid (strategies × α × seeds × protocols × depths) is affordable
on a CPU. ``linear`` is a d×d matrix initialised to the identity (training starts from the
zero-shot encoder); ``mlp`` is ``x + W2·gelu(W1·x)`` with ``W2 = 0`` at start.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hybridlib.train.configs import HeadConfig  # noqa: F401  (re-exported: the config of a head)
from hybridlib.train.losses import info_nce
from hybridlib.train.samplers import BatchComposer


class Head(nn.Module):
    def __init__(self, dim: int, kind: str = "linear", hidden: int | None = None):
        super().__init__()
        if kind not in ("linear", "mlp"):
            raise ValueError(f"unknown head kind {kind!r}; known: 'linear', 'mlp'")
        self.kind = kind
        if kind == "linear":
            self.lin = nn.Linear(dim, dim, bias=False)
            with torch.no_grad():
                self.lin.weight.copy_(torch.eye(dim))
        else:
            hidden = hidden or 2 * dim
            self.up, self.down = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
            nn.init.zeros_(self.down.weight)
            nn.init.zeros_(self.down.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "linear":
            return self.lin(x)
        return x + self.down(torch.nn.functional.gelu(self.up(x)))

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Apply the head to numpy embeddings and L2-normalise (cosine scoring)."""
        with torch.inference_mode():
            out = self(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
            return torch.nn.functional.normalize(out, dim=-1).numpy()


def train_head(
    composer: BatchComposer,
    q: np.ndarray,
    p: np.ndarray,
    n: np.ndarray,
    cfg: HeadConfig,
    seed: int,
    val: tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]] | None = None,
) -> tuple[Head, dict]:
    """Train a head on example-aligned embeddings ``q``, ``p``, ``n`` (rows = composer examples).

    ``val`` = (queries, positives, negatives, batches): validation embeddings and the fixed batches
    (index arrays) the validation loss is averaged over, the same whatever strategy is trained.
    """
    torch.manual_seed(seed)
    head = Head(q.shape[1], cfg.kind)
    opt = torch.optim.AdamW(head.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    tq, tp, tn = (torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in (q, p, n))
    vals = None if val is None else [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in val[:3]]
    val_batches = None if val is None else [torch.from_numpy(b) for b in val[3]]

    def val_loss() -> float:
        with torch.no_grad():
            vq, vp, vn = vals
            return float(
                np.mean([info_nce(head(vq[b]), head(vp[b]), head(vn[b]), cfg.scale).item() for b in val_batches])
            )

    batches = composer.batches_with_kind(cfg.steps)
    log = {"train_loss": [], "val_loss": [], "mono_batches": int(sum(m for _, m in batches))}
    best, best_state, bad = np.inf, None, 0
    if vals is not None:
        best = val_loss()
        best_state = {k: v.clone() for k, v in head.state_dict().items()}
        log["val_loss"].append((0, best))
    for step, (idx, _) in enumerate(batches, start=1):
        i = torch.from_numpy(idx)
        loss = info_nce(head(tq[i]), head(tp[i]), head(tn[i]), cfg.scale)
        opt.zero_grad()
        loss.backward()
        opt.step()
        log["train_loss"].append(round(loss.item(), 5))
        if vals is not None and (step % cfg.eval_every == 0 or step == cfg.steps):
            v = val_loss()
            log["val_loss"].append((step, v))
            if v < best - 1e-4:
                best, best_state, bad = v, {k: t.clone() for k, t in head.state_dict().items()}, 0
            else:
                bad += 1
                if bad >= cfg.patience:
                    break
    if best_state is not None:
        head.load_state_dict(best_state)
        log["best_val_loss"] = best
    log["steps_run"] = len(log["train_loss"])
    return head, log
