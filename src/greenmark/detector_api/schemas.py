"""Request and response bodies of the API (pydantic), serialised from the library's result objects.

Server-side limits (inputs per request, characters per text) depend on settings and are
checked by the routes (413); the schema holds what is true everywhere.

>>> DetectRequest.model_validate({"inputs": [{"id": "a", "text": "hello"}]}).return_spans
False
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

import greenmark
from greenmark.watermark import DetectionResult
from greenmark.watermark.marks import TokenMark
from greenmark.watermark.spec import SCHEME_VERSION

DETECTOR_VERSION = f"greenmark {greenmark.__version__} ({SCHEME_VERSION})"
Decision = Literal["watermarked", "not_watermarked", "insufficient_evidence"]


def _encodable(text: str) -> str:
    # JSON may carry lone surrogates ("\ud800"), which no tokenizer can encode.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text contains a lone surrogate (not valid Unicode)") from None
    if not text.strip():
        raise ValueError("text is empty or only whitespace")
    return text


Text = Annotated[str, Field(min_length=1), AfterValidator(_encodable)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DetectInput(StrictModel):
    id: str = Field(max_length=256, description="the caller's identifier, echoed in the result")
    text: Text = Field(description="the text to test")


class DetectRequest(StrictModel):
    inputs: list[DetectInput] = Field(min_length=1, description="the texts to test (at most the server's max_inputs)")
    alpha: float | None = Field(
        default=None, gt=0, le=0.01, description="family-wise false-positive rate (default: the server's)"
    )
    return_spans: bool = Field(default=False, description="locate watermarked stretches inside each text")
    return_marks: bool = Field(
        default=False, description="per-token green/red marks under the matching key (needs the green-marks scope)"
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
    scheme: str | None = Field(description="the matching key's watermark scheme (versioned id), when watermarked")
    num_hypotheses: int
    alpha: float
    normalizations: list[str] = Field(description="canonicalisation steps that changed the text (a tampering sign)")
    spans: list[SpanOut] | None = None
    marks: list[MarkOut] | None = None

    @classmethod
    def of(cls, input_id: str, result: DetectionResult, spans: bool, marks=None) -> DetectOutput:
        """Serialise one library result.

        >>> from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
        >>> result = Detector(WatermarkSpec(vocab_size=50), [WatermarkKey.generate()]).detect_tokens([1, 2])
        >>> DetectOutput.of("a", result, spans=False).decision
        'insufficient_evidence'
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
            scheme=result.scheme,
            num_hypotheses=result.num_hypotheses,
            alpha=result.alpha,
            normalizations=list(result.normalizations),
            spans=[SpanOut(**asdict(span)) for span in result.spans] if spans else None,
            marks=[MarkOut.of(mark) for mark in marks] if marks is not None else None,
        )


class DetectResponse(BaseModel):
    detector_version: str
    results: list[DetectOutput]


class GenerateRequest(StrictModel):
    prompts: list[Text] = Field(min_length=1, description="the prompts to continue (at most the server's cap)")
    max_new_tokens: int = Field(default=200, ge=1, description="at most the server's generate_max_new_tokens")
    temperature: float = Field(default=1.0, ge=0, le=10, description="0: greedy")
    top_k: int = Field(default=0, ge=0, le=100_000, description="0: no top-k cut")
    top_p: float = Field(default=1.0, gt=0, le=1)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    key_name: str | None = Field(default=None, max_length=64, description="which of the tenant's keys to use")


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
