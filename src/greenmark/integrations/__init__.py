"""greenmark inside serving engines: ``greenmark.integrations.vllm`` (extra ``vllm``)."""
