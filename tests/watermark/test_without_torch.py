"""``greenmark.watermark`` imports and detects with torch (and transformers) impossible to import."""

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import importlib.abc, sys

    class Blocked(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "transformers"):
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, Blocked())

    from greenmark.watermark import Detector, ImportedKey, WatermarkKey, WatermarkSpec, default_tokenizer
    from greenmark.watermark.keyring import Keyring
    from greenmark.watermark.marks import token_marks
    from greenmark.watermark.schemes import scheme_names

    tokenizer = default_tokenizer()
    text = "Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about a little."
    keys = [
        (WatermarkKey.generate(), WatermarkSpec.for_tokenizer(tokenizer, scheme=name))
        for name in scheme_names(imported=False)
    ]
    keys += [  # transformers' watermarks (torch's CPU generator replayed in numpy) and vLLM's (Philox)
        (ImportedKey.create("42"), WatermarkSpec.for_tokenizer(tokenizer, scheme="transformers-kgw")),
        (
            ImportedKey.create("1,2,3"),
            WatermarkSpec.for_tokenizer(tokenizer, scheme="transformers-synthid", parameters={"depth": 3}),
        ),
        (ImportedKey.create("42"), WatermarkSpec.for_tokenizer(tokenizer, scheme="vllm-gumbel")),
        (ImportedKey.create("42"), WatermarkSpec.for_tokenizer(tokenizer, scheme="vllm-dual-key-gumbel")),
    ]
    result = Keyring(keys, tokenizer).detect(text, spans=True)
    marks = token_marks(keys[0][1], keys[0][0], tokenizer, text)
    assert result.decision != "watermarked" and result.num_hypotheses == len(keys) and marks
    assert not [name for name in sys.modules if name.split(".")[0] in ("torch", "transformers")]
    print("detected without torch")
    """
)


def test_the_detector_imports_and_detects_without_torch():
    completed = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "detected without torch"
