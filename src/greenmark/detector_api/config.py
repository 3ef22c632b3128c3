"""Settings of the detection API, read from ``GREENMARK_API_*`` environment variables.

The key store has its own settings (``GREENMARK_HOME``, ``GREENMARK_DB_URL``,
``GREENMARK_MASTER_KEY``; see ``greenmark.store.settings``). Limits answer 413 (body,
inputs, characters) and 429 (rate). The rate limit is a token bucket per API key *per worker
process*: with ``--workers N`` a key may reach up to N times the rate.

>>> settings = ApiSettings(max_inputs=16)
>>> settings.max_inputs, settings.generate
(16, False)
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from greenmark.watermark import DEFAULT_ALPHA


class ApiSettings(BaseSettings):
    """Every tunable of the API service; empty environment values count as unset."""

    model_config = SettingsConfigDict(env_prefix="GREENMARK_API_", env_ignore_empty=True, extra="ignore")

    alpha: float = Field(default=DEFAULT_ALPHA, gt=0, le=0.01, description="default family-wise false-positive rate")
    max_body_bytes: int = Field(default=2_000_000, ge=1024, description="largest request body (413 above)")
    max_inputs: int = Field(default=128, ge=1, description="most texts in one detection request (413 above)")
    max_text_chars: int = Field(default=100_000, ge=1, description="longest text, in characters (413 above)")
    rate_limit_per_second: float = Field(default=50.0, ge=0, description="requests per second per API key; 0: off")
    rate_limit_burst: int = Field(default=100, ge=1, description="requests an idle API key may send at once")
    cache_seconds: float = Field(
        default=5.0, ge=0, description="how long API keys and watermark keys are cached (revocation delay)"
    )
    generate: bool = Field(default=False, description="load the embedded model at start-up for /v1/generate")
    generate_max_new_tokens: int = Field(default=256, ge=1, description="cap on max_new_tokens per request")
    generate_max_prompts: int = Field(default=4, ge=1, description="most prompts in one generation request")
    generate_max_prompt_chars: int = Field(default=4_000, ge=1, description="longest prompt, in characters")
    generate_max_pending: int = Field(default=8, ge=1, description="generation requests queued at once (503 above)")
    audit: bool = Field(default=True, description="append an audit record per detection (the key store's database)")
    audit_wait_for_commit: bool = Field(
        default=False,
        description="answer only once the audit records are committed (default: commit them in the background)",
    )
    audit_prune_seconds: float = Field(
        default=3600.0, gt=0, description="how often the retention setting (GREENMARK_AUDIT_RETENTION_DAYS) is applied"
    )
    log_level: str = Field(default="INFO", description="level of the JSON logs")
    debug_log_text: bool = Field(
        default=False, description="log submitted texts and error messages (never enable in production)"
    )
