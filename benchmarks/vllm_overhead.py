"""Cost of greenmark's vLLM plug-in: vLLM tokens/s without it, with a no-op processor, with it (each scheme).

On the shipped default model, on CPU (the vLLM venv: ``.vllm-venv/bin/python``), at batch 1 and
32, every request generating exactly ``--new-tokens`` tokens at temperature 1 (no top-k or
top-p). Three engines, one after another, run in this process
(``VLLM_ENABLE_V1_MULTIPROCESSING=0``) with the engine options the tests use:

* ``vllm``: no custom logits processor at all (greenmark's entry point hidden from it);
* ``no-op``: one custom processor that returns the logits as they are, the noise floor of any
  processor, since vLLM then runs its custom-processor path;
* ``greenmark``: the plug-in, with unkeyed requests (installed, unused) and with a key of
  each scheme (lefthash, selfhash, gumbel, tournament) from a throwaway key store.

Within an engine the variants are interleaved and each keeps its fastest of ``--repeats`` runs;
the engines run one after another, so their figures also differ by whatever else the machine
did meanwhile. The plug-in's own cost is best read inside its engine: each scheme against the
unkeyed requests (the processor called, with nothing to do). Then transformers ``generate()``
on the same model, plain and with greenmark's lefthash processor, for comparison. Ratios are
against the no-op engine and, for the plug-in, against its unkeyed requests.

    .vllm-venv/bin/python benchmarks/vllm_overhead.py [--new-tokens 64] [--repeats 3] [--batches 1 32]
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time

from greenmark.integrations.vllm.cpu_engine import CPU_ENGINE_OPTIONS

PROMPT = "It was a dark and stormy night, and the"
SCHEMES = ["lefthash", "selfhash", "gumbel", "tournament"]
UNKEYED = "greenmark, unkeyed requests"
ENGINE_OPTIONS = {**CPU_ENGINE_OPTIONS, "seed": 0}


def create_bench_keys() -> dict[str, dict]:
    """A throwaway key store (its environment set here) with one key per scheme; extra_args by scheme."""
    from greenmark.store import KeyStore
    from greenmark.watermark import WatermarkSpec, default_tokenizer

    os.environ["GREENMARK_HOME"] = tempfile.mkdtemp(prefix="greenmark-bench-")
    os.environ["GREENMARK_MASTER_KEY"] = secrets.token_hex(32)
    os.environ.pop("GREENMARK_DB_URL", None)
    tokenizer = default_tokenizer()
    with KeyStore.open() as store:
        for scheme in SCHEMES:
            store.create_key(scheme, spec=WatermarkSpec.for_tokenizer(tokenizer, scheme=scheme), tenant="bench")
    return {scheme: {"greenmark": f"bench/{scheme}"} for scheme in SCHEMES}


def vllm_rates(processors, variants: dict[str, dict | None], batches, new_tokens, repeats) -> dict:
    """Tokens/s of one engine loaded with ``processors``, per (variant, batch): the fastest of ``repeats``
    rounds, each round running every variant once (interleaved, so background load hurts all alike)."""
    import vllm
    from greenmark.generator import default_model_path

    llm = vllm.LLM(str(default_model_path()), logits_processors=processors, max_num_seqs=max(batches), **ENGINE_OPTIONS)
    best: dict[tuple[str, int], float] = {}
    for batch in batches:
        requests = {
            name: [
                vllm.SamplingParams(
                    max_tokens=new_tokens, min_tokens=new_tokens, temperature=1.0, seed=i, extra_args=extra_args
                )
                for i in range(batch)
            ]
            for name, extra_args in variants.items()
        }
        llm.generate([PROMPT] * batch, requests[next(iter(requests))], use_tqdm=False)  # warm-up
        for _ in range(repeats):
            for name, params in requests.items():
                start = time.perf_counter()
                llm.generate([PROMPT] * batch, params, use_tqdm=False)
                elapsed = time.perf_counter() - start
                best[(name, batch)] = min(best.get((name, batch), float("inf")), elapsed)
    llm.llm_engine.engine_core.shutdown()
    del llm
    return {(name, batch): batch * new_tokens / elapsed for (name, batch), elapsed in best.items()}


def transformers_rates(batches, new_tokens, repeats) -> dict:
    """Tokens/s of transformers ``generate()`` on the default model: plain and with greenmark lefthash."""
    import torch
    from transformers import LogitsProcessorList

    from greenmark.generator import WatermarkLogitsProcessor, load_default_model
    from greenmark.watermark import WatermarkKey, WatermarkSpec

    model, tokenizer = load_default_model(device="cpu")
    watermark = WatermarkLogitsProcessor(WatermarkSpec.for_tokenizer(tokenizer), WatermarkKey.generate())
    rates = {}
    for batch in batches:
        inputs = tokenizer([PROMPT] * batch, return_tensors="pt")
        for name, processors in (("transformers", []), ("transformers + greenmark lefthash", [watermark])):
            best = float("inf")
            for repeat in range(repeats + 1):  # the first is a warm-up
                torch.manual_seed(repeat)
                start = time.perf_counter()
                with torch.inference_mode():
                    model.generate(
                        **inputs,
                        do_sample=True,
                        max_new_tokens=new_tokens,
                        min_new_tokens=new_tokens,
                        logits_processor=LogitsProcessorList(processors),
                        pad_token_id=tokenizer.pad_token_id,
                    )
                if repeat:
                    best = min(best, time.perf_counter() - start)
            rates[(name, batch)] = batch * new_tokens / best
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    arguments = parser.parse_args()
    os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"

    import torch
    import vllm.v1.sample.logits_processor as logits_processors
    from vllm.v1.sample.logits_processor import LogitsProcessor

    from greenmark.integrations.vllm import VllmWatermarkLogitsProcessor

    class NoOpProcessor(LogitsProcessor):
        def __init__(self, vllm_config, device: torch.device, is_pin_memory: bool):
            pass

        def is_argmax_invariant(self) -> bool:
            return False

        def update_state(self, batch_update) -> None:
            pass

        def apply(self, logits: torch.Tensor) -> torch.Tensor:
            return logits

    logits_processors._load_logitsprocs_plugins = lambda: []  # each engine gets exactly the processors named below
    keys = create_bench_keys()
    run = (arguments.batches, arguments.new_tokens, arguments.repeats)
    rates = vllm_rates(None, {"vllm": None}, *run)
    rates |= vllm_rates([NoOpProcessor], {"no-op processor": None}, *run)
    greenmark_variants = {UNKEYED: None} | {f"greenmark {s}": keys[s] for s in SCHEMES}
    rates |= vllm_rates([VllmWatermarkLogitsProcessor], greenmark_variants, *run)
    rates |= transformers_rates(*run)

    names = list(dict.fromkeys(name for name, _ in rates))
    print(f"\n{arguments.new_tokens} new tokens a request, fastest of {arguments.repeats}")
    print("ratio: tokens/s over the no-op engine's; in-engine: over the plug-in's unkeyed requests")
    header = "".join(f"{f'batch {b} tok/s':>16}{'ratio':>8}{'in-engine':>11}" for b in arguments.batches)
    print(f"{'variant':36}{header}")
    for name in names:
        cells = ""
        for batch in arguments.batches:
            rate = rates[(name, batch)]
            cells += f"{rate:16.1f}{rate / rates[('no-op processor', batch)]:8.3f}"
            in_engine = rate / rates[(UNKEYED, batch)] if name.startswith("greenmark") else None
            cells += f"{in_engine:11.3f}" if in_engine is not None else " " * 11
        print(f"{name:36}{cells}")


if __name__ == "__main__":
    main()
