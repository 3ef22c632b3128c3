"""Request and response bodies of the API (pydantic), serialised from the library's result objects.

Server-side limits (inputs per request, characters per text, ``max_new_tokens``) depend on
settings: the routes check them (413, or 422 for ``max_new_tokens``) and the published OpenAPI
schema states this server's values (``greenmark.detector_api.openapi``). The sampling bounds
are ``greenmark.generator.sampling``'s (importing it needs no torch).

>>> DetectRequest.model_validate({"inputs": [{"id": "a", "text": "hello"}]}).return_spans
False
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

import greenmark
from greenmark.generator.sampling import GREEDY_TEMPERATURE, MAX_SEED, MAX_TEMPERATURE, SamplingParameters
from greenmark.store import StoredKey
from greenmark.watermark import DetectionResult
from greenmark.watermark.marks import TokenMark
from greenmark.watermark.spec import SCHEME_VERSION

DETECTOR_VERSION = f"greenmark {greenmark.__version__} ({SCHEME_VERSION})"
Decision = Literal["watermarked", "not_watermarked", "insufficient_evidence"]
DEFAULT_MAX_NEW_TOKENS = 200


# A character that is not whitespace by Python's str.isspace() (what the library strips), written out
# as \uXXXX escapes (no whitespace lies above U+FFFF), which Python, pydantic (Rust) and JSON Schema
# (ECMA-262) regexes read alike.
NOT_ONLY_WHITESPACE = "[^" + "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace()) + "]"


def _encodable(text: str) -> str:
    # JSON may carry lone surrogates ("\ud800"), which no tokenizer can encode.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text contains a lone surrogate (not valid Unicode)") from None
    return text


Text = Annotated[
    str,
    Field(min_length=1, pattern=NOT_ONLY_WHITESPACE, description="not empty nor only whitespace"),
    AfterValidator(_encodable),
]


def _whole_number(value):
    # JSON Schema counts 3.0 as an integer; strict pydantic would refuse it (strings stay refused).
    return int(value) if isinstance(value, float) and value.is_integer() else value


WholeNumber = BeforeValidator(_whole_number)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DetectInput(StrictModel):
    id: str = Field(max_length=256, description="the caller's identifier, echoed in the result")
    text: Text = Field(description="the text to test")


class DetectRequest(StrictModel):
    inputs: list[DetectInput] = Field(min_length=1, description="the texts to test (at most the server's max_inputs)")
    alpha: float | None = Field(
        default=None,
        gt=0,
        le=0.01,
        allow_inf_nan=False,
        description="family-wise false-positive rate (default: the server's)",
    )
    return_spans: bool = Field(default=False, description="locate watermarked stretches inside each text")
    return_marks: bool = Field(
        default=False, description="per-token green/red marks under the matching key (needs the green-marks scope)"
    )
    return_receipt: bool = Field(default=False, description="a signed receipt of each result (see /v1/receipts/keys)")
    receipt_format: Literal["json", "dsse"] = Field(
        default="json", description="json: the signed receipt object; dsse: the same statement in a DSSE envelope"
    )


class SpanOut(BaseModel):
    start_token: int
    end_token: int
    start_char: int | None
    end_char: int | None
    p_value: float
    z_score: float
    num_scored_tokens: int
    num_green_tokens: int
    key_id: str


class MarkOut(BaseModel):
    start_char: int
    end_char: int
    scored: bool
    green: bool | None = Field(description="the token's statistic exceeds its null mean (for KGW: it is green)")
    statistic: float | None = Field(description="the token's keyed statistic; null without a full context")

    @classmethod
    def of(cls, mark: TokenMark) -> MarkOut:
        return cls(
            start_char=mark.start_char,
            end_char=mark.end_char,
            scored=mark.scored,
            green=mark.green,
            statistic=mark.statistic,
        )


class DetectOutput(BaseModel):
    id: str
    decision: Decision
    p_value: float = Field(description="corrected for every key (and window) tested")
    z_score: float
    num_scored_tokens: int
    num_green_tokens: int
    green_fraction: float
    key_id: str | None = Field(description="the matching key, when watermarked")
    key_name: str | None = Field(default=None, description="the matching key's name")
    key_version: int | None = Field(default=None, description="the matching key's version")
    scheme: str | None = Field(description="the matching key's watermark scheme (versioned id), when watermarked")
    key_warning: str | None = Field(
        default=None, description="a caveat about the matching key, e.g. its secret is public so anyone can forge it"
    )
    num_hypotheses: int
    alpha: float
    tokens_needed: int = Field(
        default=0, description="insufficient_evidence: at least this many more scored tokens are needed"
    )
    normalizations: list[str] = Field(description="canonicalisation steps that changed the text (a tampering sign)")
    canonical_text: str | None = Field(
        default=None, description="with return_spans, when canonicalisation changed the text: what offsets refer to"
    )
    spans: list[SpanOut] | None = None
    marks: list[MarkOut] | None = None
    receipt: dict | None = Field(default=None, description="the signed receipt, with return_receipt")

    @classmethod
    def of(
        cls,
        input_id: str,
        result: DetectionResult,
        spans: bool,
        marks=None,
        stored_key: StoredKey | None = None,
        canonical_text: str | None = None,
        receipt: dict | None = None,
    ) -> DetectOutput:
        """Serialise one library result (``stored_key``: the matching key's metadata).

        >>> from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
        >>> result = Detector(WatermarkSpec(vocab_size=50), [WatermarkKey.generate()]).detect_tokens([1, 2])
        >>> output = DetectOutput.of("a", result, spans=False)
        >>> output.decision, output.tokens_needed
        ('insufficient_evidence', 15)
        """
        return cls(
            id=input_id,
            decision=result.decision,
            p_value=result.p_value,
            z_score=result.z_score,
            num_scored_tokens=result.num_scored_tokens,
            num_green_tokens=result.num_green_tokens,
            green_fraction=result.green_fraction,
            key_id=result.key_id,
            key_name=stored_key.name if stored_key else None,
            key_version=stored_key.version if stored_key else None,
            scheme=result.scheme,
            key_warning=result.key_warning,
            num_hypotheses=result.num_hypotheses,
            alpha=result.alpha,
            tokens_needed=result.tokens_needed,
            normalizations=list(result.normalizations),
            canonical_text=canonical_text,
            spans=[SpanOut(**asdict(span)) for span in result.spans] if spans else None,
            marks=[MarkOut.of(mark) for mark in marks] if marks is not None else None,
            receipt=receipt,
        )


class DetectResponse(BaseModel):
    detector_version: str
    results: list[DetectOutput]


MAX_MESSAGES = 64


class Message(StrictModel):
    role: Literal["system", "user", "assistant"]
    content: Text


class GenerateRequest(StrictModel):
    """Exactly one of ``prompts`` (texts to continue) and ``messages`` (one conversation to answer).

    >>> GenerateRequest.model_validate({"messages": [{"role": "user", "content": "Hi"}]}).conversations()
    [[{'role': 'user', 'content': 'Hi'}]]
    """

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["prompts"]}, {"required": ["messages"]}]},
    )

    prompts: list[Text] | None = Field(
        default=None, min_length=1, description="the prompts to continue (at most the server's cap)"
    )
    messages: list[Message] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_MESSAGES,
        description="a conversation, rendered with the model's chat template; the output is the assistant's reply",
    )
    max_new_tokens: Annotated[int, Field(ge=1), WholeNumber] | None = Field(
        default=None,
        description=f"default {DEFAULT_MAX_NEW_TOKENS}, or the server's cap (generate_max_new_tokens) if lower",
    )
    temperature: float = Field(
        default=1.0,
        ge=0,
        le=MAX_TEMPERATURE,
        allow_inf_nan=False,
        description=f"{GREEDY_TEMPERATURE:g} or less (e.g. 0): greedy decoding",
    )
    top_k: Annotated[int, Field(ge=0), WholeNumber] = Field(default=0, description="0: no top-k cut")
    top_p: float = Field(default=1.0, gt=0, le=1, allow_inf_nan=False)
    seed: Annotated[int, Field(ge=0, le=MAX_SEED), WholeNumber] | None = None
    key_name: str | None = Field(default=None, max_length=64, description="which of the tenant's keys to use")

    def sampling(self, max_new_tokens_cap: int) -> SamplingParameters:
        """The request's sampling parameters, checked by the generator's rule (a ``GenerationError``: 422)."""
        max_new_tokens = self.max_new_tokens or min(DEFAULT_MAX_NEW_TOKENS, max_new_tokens_cap)
        return SamplingParameters(max_new_tokens, self.temperature, self.top_k, self.top_p, self.seed)

    @model_validator(mode="after")
    def _one_input_kind(self) -> GenerateRequest:
        if (self.prompts is None) == (self.messages is None):
            raise ValueError("give exactly one of prompts and messages")
        return self

    def conversations(self) -> list[list[dict[str, str]]] | None:
        """The conversation to answer as plain messages, in a one-item batch; ``None`` for prompts."""
        return None if self.messages is None else [[message.model_dump() for message in self.messages]]


class GenerateOutput(BaseModel):
    text: str = Field(description="the continuation only")
    num_new_tokens: int


class GenerateResponse(BaseModel):
    key_id: str
    outputs: list[GenerateOutput]


class KeyOut(BaseModel):
    key_id: str
    name: str
    version: int
    status: Literal["active", "verify-only", "retired"]
    spec: dict
    created_at: str
    detectable: bool = Field(description="tested by /v1/detect on this server (not retired, tokenizer available)")


class KeysResponse(BaseModel):
    keys: list[KeyOut]


class Health(BaseModel):
    status: Literal["ok"]


class WhoAmI(BaseModel):
    tenant: str
    api_key_id: str
    scopes: list[str]
    max_inputs: int = Field(description="the most texts one /v1/detect request may hold on this server")
    max_text_chars: int = Field(description="the longest text this server tests, in characters")


class AuditRecordOut(BaseModel):
    sequence: int
    recorded_at: str
    source: str
    api_key_id: str | None
    request_id: str | None
    text_sha256: str
    decision: str
    p_value: float
    key_id: str | None
    receipt_id: str | None
    previous_hash: str
    record_hash: str


class AuditResponse(BaseModel):
    tenant: str
    records: list[AuditRecordOut]
    next_after: int | None = Field(description="pass as ?after= for the next page; null on the last page")


class JsonWebKey(BaseModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]
