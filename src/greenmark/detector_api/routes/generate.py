"""``POST /v1/generate``: watermarked continuations (or a chat reply) from the loaded model with the tenant's key."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from greenmark.detector_api.deps import Caller, State, authorized_routes, enforce_limits
from greenmark.detector_api.problems import ProblemError, problem_responses
from greenmark.detector_api.schemas import MAX_MESSAGES, GenerateOutput, GenerateRequest, GenerateResponse

router = APIRouter(prefix="/v1", tags=["generation"], route_class=authorized_routes("generate"))


@router.post(
    "/generate",
    responses=problem_responses(400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 500, 503),
)
async def generate(
    body: GenerateRequest,
    caller: Caller,
    state: State,
) -> GenerateResponse:
    """Continue each prompt, or answer the conversation, watermarked with the tenant's active key that fits the model.

    ``messages`` are rendered with the model's chat template (422 for a model without one).
    Answers 404 when this server does not load a model (``GREENMARK_API_GENERATE``) and 503
    while it is loading or busy.
    """
    settings = state.settings
    if state.generation is None:
        raise ProblemError(404, "generation is not enabled on this server")
    if body.prompts is not None:
        enforce_limits(body.prompts, settings.generate_max_prompts, settings.generate_max_prompt_chars, "prompt")
    else:
        contents = [message.content for message in body.messages]
        enforce_limits(contents, MAX_MESSAGES, settings.generate_max_prompt_chars, "message")
    cap = settings.generate_max_new_tokens
    if body.max_new_tokens is not None and body.max_new_tokens > cap:
        raise ProblemError(422, f"max_new_tokens is capped at {cap} on this server")
    sampling = body.sampling(cap)  # the generator's rule (422), checked before the request queues
    key, stored = await run_in_threadpool(state.generation.choose_key, state.store, caller.tenant, body.key_name)
    outputs = await state.generation.generate(
        key, stored.spec, body.prompts or body.conversations(), **asdict(sampling)
    )
    return GenerateResponse(
        key_id=stored.key_id,
        outputs=[
            GenerateOutput(text=out.text, num_new_tokens=len(out.token_ids) - out.prompt_length) for out in outputs
        ],
    )
