"""Chat: conversations rendered with the tokenizer's chat template, and the tokens that end a model's turn.

A conversation is a list of ``{"role": ..., "content": ...}`` messages. It is rendered as the
model was trained to see it, with the prompt that opens the assistant's reply
(``add_generation_prompt``); the reply ends at one of the model's end-of-turn tokens: every
id its generation config lists as ``eos_token_id`` (one or several) and the tokenizer's own
end-of-sequence token.

>>> from greenmark.generator import load_default_model
>>> model, tokenizer = load_default_model()
>>> render_prompt(tokenizer, "Once upon a time")
'Once upon a time'
>>> end_of_turn_ids(model, tokenizer) == [tokenizer.eos_token_id]
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from greenmark.generator.errors import GenerationError

Conversation = Sequence[Mapping[str, str]]


def check_conversation(conversation) -> list[dict[str, str]]:
    """The messages as plain dicts; a ``GenerationError`` unless each has a string role and content.

    >>> check_conversation([{"role": "user", "content": "Hi"}])
    [{'role': 'user', 'content': 'Hi'}]
    """
    if isinstance(conversation, str) or not isinstance(conversation, Sequence) or not conversation:
        raise GenerationError("a conversation must be a non-empty list of messages")
    messages = []
    for message in conversation:
        if not isinstance(message, Mapping) or set(message) != {"role", "content"}:
            raise GenerationError('each message must have exactly a "role" and a "content"')
        role, content = message["role"], message["content"]
        if not isinstance(role, str) or not role.strip() or not isinstance(content, str):
            raise GenerationError("a message's role must be a non-empty string and its content a string")
        messages.append({"role": role, "content": content})
    if not any(message["content"].strip() for message in messages):
        raise GenerationError("every message of the conversation is empty")
    return messages


def render_prompt(tokenizer, prompt: str | Conversation) -> str:
    """A plain prompt as it is; a conversation through the tokenizer's chat template, opening the reply."""
    if isinstance(prompt, str):
        if not prompt.strip():
            raise GenerationError("every prompt must be a non-empty string")
        return prompt
    messages = check_conversation(prompt)
    if not getattr(tokenizer, "chat_template", None):
        raise GenerationError("this model's tokenizer has no chat template: give plain prompts, not conversations")
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def end_of_turn_ids(model, tokenizer) -> list[int]:
    """The ids that end a reply: the generation config's ``eos_token_id`` (an id or a list) and the tokenizer's."""
    listed = getattr(model.generation_config, "eos_token_id", None)
    listed = [] if listed is None else [listed] if isinstance(listed, int) else list(listed)
    ids = [*listed, tokenizer.eos_token_id]
    return list(dict.fromkeys(int(token) for token in ids if token is not None))
