"""Train the embedded default model: ``python -m greenmark.training --minutes 70``.

Steps: canonicalise the corpus' ``train`` split, hold out ``--validation-books`` books (seeded),
train the byte-level BPE tokenizer on the rest (or keep the one of ``--resume`` / ``--warm-start``),
then train the tiny DeepSeek-V3 MoE with
DeepSeek-V3's auxiliary-loss-free load balancing and a cosine learning rate over the
wall-clock budget, in float32: on CPUs without native bf16 (AVX2 only, like our 2-core
machines) bf16 autocast measured 13x slower per step. Every ``--checkpoint-minutes`` and at the end it writes bf16
safetensors, config, tokenizer, ``training_metrics.json`` and ``MODEL_CARD.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, DeepseekV3ForCausalLM

from greenmark.corpus import book_paths
from greenmark.training.data import encode_books, held_out_books, read_book
from greenmark.training.load_balance import ExpertLoadBalancer
from greenmark.training.model_config import count_parameters, default_model_config
from greenmark.training.tokenizer import train_tokenizer
from greenmark.training.widen import widen_model

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "default_model"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m greenmark.training", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output model directory")
    parser.add_argument("--minutes", type=float, default=70.0, help="wall-clock training budget")
    parser.add_argument("--checkpoint-minutes", type=float, default=10.0)
    parser.add_argument("--vocab-size", type=int, default=8192)
    parser.add_argument("--sequence-length", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--warmup-steps", type=int, default=100)
    parser.add_argument("--balance-rate", type=float, default=1e-2, help="expert bias update per step")
    parser.add_argument(
        "--resume", action="store_true", help="continue from the model and tokenizer in --out (fresh optimiser)"
    )
    parser.add_argument(
        "--warm-start",
        type=Path,
        metavar="DIR",
        help="continue from the model and tokenizer in DIR, widened to this geometry (training/widen.py)",
    )
    parser.add_argument("--validation-books", type=int, default=4)
    parser.add_argument("--validation-batches", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def learning_rate(args, step: int, progress: float) -> float:
    """Linear warm-up, then cosine decay to 10% over the time budget."""
    if step < args.warmup_steps:
        return args.learning_rate * (step + 1) / args.warmup_steps
    return args.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def random_windows(tokens: np.ndarray, count: int, length: int, generator: torch.Generator) -> torch.Tensor:
    starts = torch.randint(0, len(tokens) - length, (count,), generator=generator).tolist()
    return torch.from_numpy(np.stack([tokens[s : s + length].astype(np.int64) for s in starts]))


@torch.no_grad()
def validation_loss(model, batches: list[torch.Tensor]) -> float:
    model.eval()
    losses = []
    for batch in batches:
        losses.append(model(input_ids=batch, labels=batch).loss.item())
    model.train()
    return float(np.mean(losses))


def geometry(config) -> dict:
    """The attention sizes that vLLM's MLA kernels care about."""
    names = ("kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim")
    return {name: getattr(config, name) for name in names}


def save(model, tokenizer, out: Path, metrics: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    copy.deepcopy(model).to(torch.bfloat16).save_pretrained(out, safe_serialization=True)
    write_tied_output_weights(out / "model.safetensors")
    tokenizer.save_pretrained(out)
    (out / "training_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(model_card(metrics))


def write_tied_output_weights(weights: Path) -> None:
    """Store the tied output matrix as ``lm_head.weight`` too.

    transformers drops tied weights on save and ties them again on load, but vLLM's DeepSeek loader
    ignores ``tie_word_embeddings`` and would leave its output layer uninitialised. The extra 4 MB tensor
    is the same matrix, so transformers loads the model exactly as before.
    """
    tensors = load_file(weights)
    tensors.setdefault("lm_head.weight", tensors["model.embed_tokens.weight"].clone())
    save_file(tensors, weights, metadata={"format": "pt"})


def model_card(m: dict) -> str:
    loads = ", ".join(f"{x:.2f}" for x in m["expert_load_max_over_mean"])
    g = m["geometry"]
    widened = m["widened"]
    widening = (
        f"""
Warm start: at step {widened["at_step"]} the trained model of attention geometry {widened["from_geometry"]}
was widened function-preservingly (`greenmark/training/widen.py`) to the one vLLM's CPU MLA kernel
accepts; validation loss {widened["validation_loss_before"]:.3f} before, {widened["validation_loss_after"]:.3f}
after widening, before any training step.
"""
        if widened
        else ""
    )
    return f"""# greenmark default model

A tiny DeepSeek-V3-architecture Mixture-of-Experts causal LM (transformers `DeepseekV3ForCausalLM`:
MLA attention, 8 routed experts top-2 + 1 shared expert in layers 2-4, a dense first layer) with a
byte-level BPE tokenizer of {m["vocab_size"]} tokens, trained from scratch on CPU by
`python -m greenmark.training` on the public-domain books of the corpus' `train` split.
It exists so greenmark can generate watermarked text offline; it writes locally fluent
but meandering 19th-century English. It is not an assistant and knows no facts worth trusting.

| | |
|---|---|
| parameters (total / active per token) | {m["parameters_total"]:,} / {m["parameters_active"]:,} |
| training tokens seen | {m["tokens_seen"]:,} ({m["steps"]:,} steps of {m["batch_size"]} x {m["sequence_length"]}) |
| training time | {m["minutes"]:.1f} minutes on {m["threads"]} CPU threads ({m["tokens_per_second"]:.0f} tokens/s) |
| validation loss / perplexity | {m["validation_loss"]:.3f} / {m["validation_perplexity"]:.1f} |
| validation books (held out) | {", ".join(m["validation_books"])} |
| expert load, max / mean per MoE layer | {loads} |
| attention (MLA), per head | latent {g["kv_lora_rank"]}, rope {g["qk_rope_head_dim"]}, \
nope {g["qk_nope_head_dim"]}, value {g["v_head_dim"]} |
| weights | bf16 safetensors |

Load balancing: DeepSeek-V3's auxiliary-loss-free bias update (rate {m["balance_rate"]} per step
{"after resuming at step " + str(m["resumed_at_step"]) if m["resumed_at_step"] else ""});
the load figures above are measured on the validation batches after training.
Made by: {" then ".join(f"`{command}`" for command in m["commands"])} (wall-clock budgets, so the
exact step count depends on the machine and its load).
{widening}"""


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    books = {p.name: p for p in book_paths("train")}
    validation_names = held_out_books(list(books), args.validation_books, args.seed)
    train_texts = [read_book(books[n]) for n in sorted(books) if n not in validation_names]
    validation_texts = [read_book(books[n]) for n in validation_names]
    print(
        f"{len(train_texts)} training books, {len(validation_texts)} validation books",
        flush=True,
    )

    start_from = args.warm_start or (args.out if args.resume else None)
    previous = json.loads((start_from / "training_metrics.json").read_text()) if start_from else None
    if previous:
        tokenizer = AutoTokenizer.from_pretrained(start_from)
    else:
        tokenizer = train_tokenizer(train_texts, vocab_size=args.vocab_size)
    eos_id = tokenizer.eos_token_id
    train_tokens = encode_books(tokenizer, train_texts, eos_id)
    validation_tokens = encode_books(tokenizer, validation_texts, eos_id)
    print(
        f"tokens: train {len(train_tokens):,}, validation {len(validation_tokens):,}",
        flush=True,
    )

    window = args.sequence_length
    validation_generator = torch.Generator().manual_seed(args.seed)
    validation_batches = [
        random_windows(validation_tokens, args.batch_size, window, validation_generator)
        for _ in range(args.validation_batches)
    ]

    config = default_model_config(len(tokenizer), tokenizer.pad_token_id, eos_id)
    if previous:
        model = DeepseekV3ForCausalLM.from_pretrained(start_from, dtype=torch.float32)
    else:
        model = DeepseekV3ForCausalLM(config)
    widening = None
    if args.warm_start:
        narrow = model
        model = widen_model(narrow, config, seed=args.seed)
        widening = {
            "from_geometry": geometry(narrow.config),
            "at_step": previous["steps"],
            "validation_loss_before": validation_loss(narrow, validation_batches),
            "validation_loss_after": validation_loss(model, validation_batches),
        }
        del narrow
        print(f"widened {json.dumps(widening)}", flush=True)
    model.train()
    total_params, active_params = count_parameters(model)
    print(f"parameters: total {total_params:,}, active {active_params:,}", flush=True)
    # a resumed run draws new training windows, not the first run's again
    generator = torch.Generator().manual_seed(args.seed + (previous or {}).get("steps", 0))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, betas=(0.9, 0.95), weight_decay=0.1)
    balancer = ExpertLoadBalancer(model, update_rate=args.balance_rate)

    # a resumed run adds to what the earlier run actually trained (it may have been stopped early)
    earlier = previous or {"steps": 0, "tokens_seen": 0, "minutes": 0.0}

    def metrics(step: int, elapsed: float) -> dict:
        balancer.counts.zero_()
        loss = validation_loss(model, validation_batches)
        loads = balancer.max_over_mean_load()
        balancer.counts.zero_()
        tokens_seen = earlier["tokens_seen"] + step * args.batch_size * window
        minutes = earlier["minutes"] + elapsed / 60
        return {
            "vocab_size": len(tokenizer),
            "parameters_total": total_params,
            "parameters_active": active_params,
            "steps": earlier["steps"] + step,
            "batch_size": args.batch_size,
            "sequence_length": window,
            "tokens_seen": tokens_seen,
            "minutes": minutes,
            "budget_minutes": earlier["minutes"] + args.minutes,
            "resumed_at_step": earlier["steps"] or None,
            "commands": [
                *earlier.get("commands", []),
                "python -m greenmark.training " + " ".join(argv or sys.argv[1:]),
            ],
            "threads": args.threads,
            "tokens_per_second": tokens_seen / max(minutes * 60, 1e-9),
            "validation_loss": loss,
            "validation_perplexity": math.exp(loss),
            "validation_books": validation_names,
            "expert_load_max_over_mean": loads,
            "geometry": geometry(model.config),
            "widened": widening or earlier.get("widened"),
            "balance_rate": args.balance_rate,
            "seed": args.seed,
        }

    start = time.monotonic()
    last_checkpoint = start
    step = 0
    while (elapsed := time.monotonic() - start) < args.minutes * 60:
        lr = learning_rate(args, step, elapsed / (args.minutes * 60))
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = random_windows(train_tokens, args.batch_size, window, generator)
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        balancer.update()
        step += 1
        if step % 50 == 0:
            print(
                f"step {step} loss {loss.item():.3f} lr {lr:.2e} {elapsed / 60:.1f} min",
                flush=True,
            )
        if time.monotonic() - last_checkpoint > args.checkpoint_minutes * 60:
            checkpoint = metrics(step, time.monotonic() - start)
            save(model, tokenizer, args.out, checkpoint)
            print(
                json.dumps(
                    {
                        k: checkpoint[k]
                        for k in (
                            "steps",
                            "validation_loss",
                            "expert_load_max_over_mean",
                        )
                    }
                )
            )
            last_checkpoint = time.monotonic()
    final = metrics(step, time.monotonic() - start)
    save(model, tokenizer, args.out, final)
    print(json.dumps(final, indent=2), flush=True)


if __name__ == "__main__":
    main()
