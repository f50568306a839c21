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
# # 00 — Datasets (the paper's Tables 9–11)
#
# The paper evaluates on XQuAD-R and MLQA-R (LAReQA) and on MIRACL dev. This notebook counts
# what ships in `data/`, puts the published counts beside ours, and flags every mismatch —
# including the paper's own Table 11 typos. It then lists the offline sets this study uses
# *instead of* what it cannot have here: MLQA **test** question→paragraph pairs for training (the
# paper's SQuAD/MLQA training mix is not available offline; Table 9 is therefore not reproduced),
# a pooled mini-MIRACL (real MIRACL passages, ~1,000× smaller corpus), TyDi GoldP dev and AfriQA.

# %% tags=["parameters"]
preset = "cpu"

# %%
import pandas as pd

from hybridlib.analysis import dataset_stats as stats
from hybridlib.notebook.plots import plt, save, sns
from hybridlib.notebook.report import record

pd.set_option("display.width", 160)

# %% [markdown]
# ## Table 10 — XQuAD-R and MLQA-R
# A question's gold sentence is the one whose `sentence_breaks` span holds `answer_start`;
# `unmatched_answers` counts answers that fall in no sentence (reported, never dropped).

# %%
lareqa = stats.lareqa_counts()
lareqa

# %% [markdown]
# ## Table 11 — MIRACL dev queries
# `official`: the MIRACL v1.0 dev topic files. `paper_table11`: the value the paper prints, where
# transcribed (`data/paper/`). `pooled_queries`: dev queries whose positives all have text in the
# shipped passages — the pooled mini-MIRACL this study can actually evaluate.

# %%
miracl = stats.miracl_counts()
miracl

# %% [markdown]
# ## Training data used here (replaces the paper's Table 9)
# MLQA test pairs, question language × passage language (diagonal = monolingual).

# %%
pairs = stats.training_pairs()
pairs

# %% [markdown]
# The paper's own Table 9 (its training pairs per language, read from `data/paper/`), for comparison:
# none of these sets is available offline, which is why the study trains on MLQA test pairs.

# %%
from hybridlib.analysis.paper import paper_training_data

table9 = paper_training_data()
table9

# %% [markdown]
# ## Offline evaluation sets added by this study

# %%
offline = stats.offline_sets()
offline

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
sns.barplot(data=lareqa, x="lang", y="candidates", hue="dataset", ax=axes[0])
axes[0].set_title("LAReQA candidate sentences per language")
sns.heatmap(pairs, annot=True, fmt="d", cmap="Blues", ax=axes[1], cbar=False)
axes[1].set_title("MLQA-test training pairs (query × passage language)")
sns.barplot(data=offline, x="lang", y="queries", hue="set", ax=axes[2])
axes[2].set_title("Offline evaluation sets: queries per language")
axes[2].tick_params(axis="x", rotation=45)
fig.tight_layout()
save(fig, "00_datasets", preset)

# %% [markdown]
# ## What the counts say

# %%
n_match = int(lareqa["match"].sum())
mism = miracl[miracl.paper_mismatch]
print(f"XQuAD-R / MLQA-R: {n_match} of {len(lareqa)} language files match the published question and "
      f"candidate counts; {int(lareqa.unmatched_answers.sum())} answers fall in no sentence.")
print(f"MIRACL dev: {int((miracl.dev_queries == miracl.official).sum())} of {len(miracl)} languages match the "
      f"official counts. The paper's Table 11 differs for: "
      + ", ".join(f"{r.lang} (paper {int(r.paper_table11)}, data {r.dev_queries})" for r in mism.itertuples()))
print(f"Pooled mini-MIRACL keeps {int(miracl.pooled_queries.sum())} dev queries in all 18 languages; the study's "
      f"low-resource six (yo sw te bn th hi) have "
      f"{int(miracl.set_index('lang').loc[['yo', 'sw', 'te', 'bn', 'th', 'hi'], 'pooled_queries'].sum())}.")
mono_pairs = sum(int(pairs.loc[lang, lang]) for lang in pairs.columns if lang in pairs.index)
print(f"MLQA-test gives {int(pairs.values.sum())} question→paragraph pairs ({mono_pairs} monolingual).")

# %%
record("00_datasets", preset, {"lareqa_files_matching": n_match, "lareqa_files": len(lareqa),
                               "miracl_paper_mismatches": mism.lang.tolist(),
                               "training_pairs": int(pairs.values.sum()), "monolingual_pairs": mono_pairs})
