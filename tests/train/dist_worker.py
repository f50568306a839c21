"""Run under ``torchrun --nproc_per_node 2`` (CPU, gloo) by tests/test_distributed.py: build the
trainer's distributed train dataloader with the strategy sampler and dump this rank's batches."""

from __future__ import annotations

import json
import os
import sys

import pandas as pd


def main(out_dir: str, strategy: str) -> None:
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from hybridlib.models.registry import load_model
    from hybridlib.train.finetune import to_dataset
    from hybridlib.train.samplers import SamplerFactory
    from hybridlib.train.strategy import make_strategy

    rows = [
        dict(
            group=g,
            q_lang=q,
            p_lang=p,
            passage_key=f"{p}{g}",
            source="toy",
            q_text=f"{q} q {g}",
            p_text=f"{p} p {g}",
            neg_text=f"{p} n {g}",
        )
        for g in range(40)
        for q in ("de", "es", "zh")
        for p in ("de", "es", "zh")
    ]
    ex = pd.DataFrame(rows)
    model = load_model("tiny-random")
    args = SentenceTransformerTrainingArguments(
        output_dir=os.path.join(out_dir, "ckpt"),
        per_device_train_batch_size=4,
        max_steps=6,
        report_to="none",
        use_cpu=True,
        ddp_backend="gloo",
        batch_sampler=SamplerFactory(ex, ex.iloc[:60], make_strategy(strategy), 6, 4),
    )
    trainer = SentenceTransformerTrainer(
        model=model, args=args, train_dataset=to_dataset(ex), loss=MultipleNegativesRankingLoss(model)
    )
    loader = trainer.get_train_dataloader()
    batches = [list(map(int, b)) for b in loader.batch_sampler]
    rank = int(os.environ.get("RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", 1))
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as fh:
        json.dump(
            {
                "rank": rank,
                "world": world,
                "batches": batches,
                "meta": ex[["group", "q_lang", "p_lang"]].to_dict(orient="list"),
            },
            fh,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
