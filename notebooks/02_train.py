# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 — One training run, fully parameterised
#
# The unit every other notebook is made of. Pick a batch-composition strategy (α = 1 X-X-mono,
# α = 0 X-Y, anything between Hybrid(α)), a seed, a protocol and a *track*:
#
# - `head`: a linear map (identity at start) shared by queries and passages, trained with the
#   strategy's batches and InfoNCE on cached embeddings of the frozen encoder — seconds per run;
# - `partial`: the top k transformer blocks trained from stored lower-layer token states (the
#   study's primary fine-tuning track; ~25 min per run at k = 2, 300 steps, batch 32 on 2 cores),
#   evaluated on every query and candidate, beside the untrained model through the same path;
# - `full`: full fine-tuning with the sentence-transformers trainer and
#   `MultipleNegativesRankingLoss`, the sampler plugged in as a `DefaultBatchSampler` subclass
#   (**deviation**: on this CPU only a small step budget; the `paper` preset documents the GPU run).
#
# The run is cached under `results/` by its config hash: rerunning reads it back.

# %% tags=["parameters"]
preset = "cpu"
track = "head"
protocol = "mlqa-r>xquad-r"
alpha = 0.5
seed = 0

# %%
import pandas as pd

from hybridlib.runs.baselines import run_baseline
from hybridlib.runs.head_runs import head_config, run_head
from hybridlib.notebook.plots import plt, save
from hybridlib.presets import get_preset
from hybridlib.train.protocols import PROTOCOLS
from hybridlib.notebook.report import record
from hybridlib.runs.finetune_runs import finetune_config, run_finetune, zero_shot_on
from hybridlib.runs.partial_runs import partial_config, run_partial

P = get_preset(preset)
if track == "head":
    cfg = head_config(P, protocol, alpha, seed)
    run = run_head(cfg, P)
    base = run_baseline("dense", P, P.model, tasks=PROTOCOLS[protocol])
elif track == "partial":  # top-k blocks from stored states; the untrained model through the same path
    cfg = partial_config(P, protocol, alpha, seed)
    run = run_partial(cfg, P)
    base = run_partial(partial_config(P, protocol, 0.5, 0, steps=0), P)
elif track == "full":
    cfg = finetune_config(P, protocol, alpha, seed)
    run = run_finetune(cfg, P)
    base = zero_shot_on(cfg, P)
else:
    raise ValueError(f"unknown track {track!r}; known: 'head', 'partial', 'full'")
print(f"config {run['config_hash']}: {cfg}")
print(f"wall time {run['wall_seconds']}s; model fingerprint {run.get('fingerprint')}")

# %% [markdown]
# ## Training curve (validation loss on fixed Hybrid(0.5) batches: the same for every strategy)

# %%
tr = run["train"]
val = pd.DataFrame(tr.get("val_loss") or tr.get("eval_loss"), columns=["step", "val_loss"])
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(val.step, val.val_loss, marker="o")
ax.set(xlabel="step", ylabel="validation InfoNCE loss", title=f"{track} track, α={alpha}, seed {seed}")
save(fig, f"02_train_{track}", preset)
tr

# %% [markdown]
# ## Trained vs untrained, on the protocol's evaluation sets

# %%
rows = {}
for ds, res in run["results"].items():
    if "summary" in res:
        for k, v in res["summary"].items():
            rows[(ds, k)] = {"untrained": base["results"][ds]["summary"][k], "trained": v}
    else:
        for k in ("nDCG@10", "R@100"):
            rows[(ds, k)] = {"untrained": base["results"][ds]["per_language"]["mean"][k],
                             "trained": res["per_language"]["mean"][k]}
table = pd.DataFrame(rows).T
table["change"] = table.trained - table.untrained
table.round(4)

# %%
better = table.drop(index=[i for i in table.index if i[1] == "RD"])
n_up = int((better.change > 0).sum())
print(f"Training changed {len(better)} scores: {n_up} went up, {len(better) - n_up} down or equal "
      f"(largest gain {better.change.max():+.4f} on {better.change.idxmax()}).")
record("02_train", preset, {"track": track, "n_scores": len(better), "n_up": n_up,
                            "steps_run": tr.get("steps_run")})
