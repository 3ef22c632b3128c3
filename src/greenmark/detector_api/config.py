"""Settings of the detection API, read from ``GREENMARK_API_*`` environment variables.

The key store has its own settings (``GREENMARK_HOME``, ``GREENMARK_DB_URL``,
``GREENMARK_MASTER_KEY``; see ``greenmark.store.settings``). Limits answer 413 (body,
inputs, characters), 408 (a body slower than ``body_timeout_seconds``) and 429 (rate). The
rate limits are token buckets *per worker process* (per API key; per client address for failed
authentication): with ``--workers N`` a client may reach up to N times the rate. A revoked API
key stops working within ``api_key_cache_seconds`` on every worker.

>>> settings = ApiSettings(max_inputs=16)
>>> settings.max_inputs, settings.generate
(16, False)
"""

from pydantic import Field, SecretStr
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
    failed_auth_per_second: float = Field(
        default=1.0, ge=0, description="failed authentications per second per client address (429 above); 0: off"
    )
    failed_auth_burst: int = Field(default=10, ge=1, description="failed authentications an address may make at once")
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, description="most seconds to receive a request body (408 after, connection closed)"
    )
    api_key_cache_seconds: float = Field(
        default=1.0, ge=0, description="how long a worker trusts a checked API key: the revocation delay; 0: none"
    )
    cache_seconds: float = Field(
        default=5.0, ge=0, description="how long a tenant's watermark keys are cached (rotation and retire delay)"
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="when set, /metrics needs 'Authorization: Bearer <metrics token>'"
    )
    generate: bool = Field(default=False, description="load a model at start-up for /v1/generate")
    generate_model: str = Field(
        default="default",
        description="the model to load: default (embedded), smollm2, a .gguf file or a model directory",
    )
    generate_max_new_tokens: int = Field(default=256, ge=1, description="cap on max_new_tokens per request")
    generate_max_prompts: int = Field(default=4, ge=1, description="most prompts in one generation request")
    generate_max_prompt_chars: int = Field(default=4_000, ge=1, description="longest prompt, in characters")
    generate_max_pending: int = Field(default=8, ge=1, description="generation requests queued at once (503 above)")
    audit: bool = Field(default=True, description="append an audit record per detection (the key store's database)")
    audit_wait_for_commit: bool = Field(
        default=False,
        description="answer only once the audit records are committed (default: commit them in the background)",
    )
    audit_flush_seconds: float = Field(
        default=0.2,
        ge=0,
        description="how long background audit records gather before one commit (what a killed worker can lose)",
    )
    audit_prune_seconds: float = Field(
        default=3600.0, gt=0, description="how often the retention setting (GREENMARK_AUDIT_RETENTION_DAYS) is applied"
    )
    log_level: str = Field(default="INFO", description="level of the JSON logs")
    debug_log_text: bool = Field(
        default=False, description="log submitted texts and error messages (never enable in production)"
    )
