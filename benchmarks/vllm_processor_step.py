"""Time per decoding step of the vLLM plug-in's ``apply``, beside greenmark's transformers processor on the same rows.

No engine: the processor is built on the default model's vLLM config, fed real ``BatchUpdate``
objects (requests of a 30-token prompt keyed by a throwaway key store, each with 20 output
tokens so far, one more per step) and applied to random 8,192-wide float32 logits, batch 1 and
32, each scheme and unkeyed. The peer is ``WatermarkLogitsProcessor`` (what ``generate()``
runs) on the same rows and contexts; the ratio shows what the plug-in adds around the shared
torch scheme. Best of ``--steps`` steps each, variants interleaved.

    .vllm-venv/bin/python benchmarks/vllm_processor_step.py [--steps 40]
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time

SCHEMES = ["lefthash", "selfhash", "gumbel", "tournament"]
PROMPT_IDS = list(range(30))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    arguments = parser.parse_args()
    os.environ["GREENMARK_HOME"] = tempfile.mkdtemp(prefix="greenmark-bench-")
    os.environ["GREENMARK_MASTER_KEY"] = secrets.token_hex(32)
    os.environ.pop("GREENMARK_DB_URL", None)

    import torch
    from vllm.config import ModelConfig, VllmConfig
    from vllm.sampling_params import SamplingParams
    from vllm.v1.sample.logits_processor import BatchUpdate

    from greenmark.generator import WatermarkLogitsProcessor, default_model_path
    from greenmark.integrations.vllm import VllmWatermarkLogitsProcessor
    from greenmark.store import KeyStore
    from greenmark.watermark import WatermarkSpec, default_tokenizer

    config = VllmConfig(model_config=ModelConfig(model=str(default_model_path()), dtype="float32"))
    keys = {}
    with KeyStore.open() as store:
        for scheme in SCHEMES:
            stored = store.create_key(scheme, spec=WatermarkSpec.for_tokenizer(default_tokenizer(), scheme=scheme))
            keys[scheme] = (store.load_key(stored.key_id), stored.spec)

    print(f"{'variant':12}{'batch':>6}{'plug-in ms':>12}{'transformers ms':>17}{'ratio':>8}")
    for batch in (1, 32):
        for scheme in [None, *SCHEMES]:
            extra_args = None if scheme is None else {"greenmark": f"default/{scheme}"}
            processor = VllmWatermarkLogitsProcessor(config, torch.device("cpu"), is_pin_memory=False)
            outputs = [list(range(100, 120)) for _ in range(batch)]
            added = [
                (i, SamplingParams(temperature=1.0, extra_args=extra_args), PROMPT_IDS, outputs[i])
                for i in range(batch)
            ]
            processor.update_state(BatchUpdate(batch_size=batch, removed=[], added=added, moved=[]))
            peer = None if scheme is None else WatermarkLogitsProcessor(keys[scheme][1], keys[scheme][0])
            logits = torch.randn(batch, 8192, generator=torch.Generator().manual_seed(0))
            plug_in = transformers = float("inf")
            for step in range(arguments.steps):
                for output in outputs:
                    output.append((step * 7919 + len(output)) % 8192)
                rows = logits.clone()
                start = time.perf_counter()
                processor.apply(rows)
                plug_in = min(plug_in, time.perf_counter() - start)
                if peer is not None:
                    input_ids = torch.tensor([PROMPT_IDS + output for output in outputs])
                    rows = logits.clone()
                    start = time.perf_counter()
                    peer(input_ids, rows)
                    transformers = min(transformers, time.perf_counter() - start)
            peer_cell = f"{transformers * 1e3:17.3f}{plug_in / transformers:8.2f}" if peer else f"{'-':>17}{'':8}"
            print(f"{scheme or 'unkeyed':12}{batch:6}{plug_in * 1e3:12.3f}{peer_cell}")
            del processor


if __name__ == "__main__":
    main()
