"""Any Hugging Face causal LM loads by path, including one whose logits outnumber its tokens."""

from transformers import LlamaConfig, LlamaForCausalLM

from greenmark.generator import WatermarkedGenerator, default_model_path
from greenmark.watermark import Detector, WatermarkKey


def test_llama_with_padded_logits_generates_and_is_detected(tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    config = LlamaConfig(
        vocab_size=len(tokenizer) + 8,  # like OPT: 50,265 tokens but 50,272 logits
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    key = WatermarkKey.generate()
    generator = WatermarkedGenerator.from_pretrained(tmp_path, key=key)
    assert generator.spec.vocab_size == len(tokenizer) + 8
    output = generator.generate(["A random model writes"], max_new_tokens=120, seed=0)[0]
    result = Detector(generator.spec, [key]).detect_tokens(output.token_ids, prompt_length=output.prompt_length)
    assert result.decision == "watermarked"
