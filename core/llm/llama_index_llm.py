"""``ChatLLM`` behind llama-index's LLM interface, so agents can use llama-index prompts and workflows.

Kept apart from ``client.py`` because importing llama-index costs ~1 s, which the CLI's search
path should not pay. ``CustomLLM`` would flatten chats into one prompt string; the server speaks
chat natively, so ``chat``/``stream_chat`` are overridden to send real roles, and
``structured_predict`` uses the server's JSON-schema constrained decoding instead of
parse-and-retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.prompts import BasePromptTemplate
from pydantic import BaseModel, PrivateAttr

from core.llm.client import ChatLLM, Message

M = TypeVar("M", bound=BaseModel)

_ROLE_MAP: dict[MessageRole, str] = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
}


def to_messages(messages: Sequence[ChatMessage]) -> list[Message]:
    """llama-index messages as plain chat messages (tool/function roles become user turns)."""
    return [Message(role=_ROLE_MAP.get(m.role, "user"), content=m.content or "") for m in messages]  # type: ignore[arg-type]


def _call_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The generation options llama-index callers may pass that ChatLLM understands."""
    return {k: kwargs[k] for k in ("max_tokens", "temperature", "stop") if k in kwargs and kwargs[k] is not None}


class LlamaIndexChatLLM(CustomLLM):
    """A llama-index LLM that delegates to a ``ChatLLM`` (local model or OpenAI-compatible server)."""

    model_name: str = "local"
    context_window: int = 4096
    num_output: int = 512
    _client: ChatLLM = PrivateAttr()

    @classmethod
    def from_client(cls, client: ChatLLM) -> LlamaIndexChatLLM:
        """Wrap an existing client (its connection pool is shared, not copied)."""
        llm = cls(model_name=client.model, context_window=client.context_window, num_output=client.max_tokens)
        llm._client = client
        return llm

    @property
    def client(self) -> ChatLLM:
        """The wrapped ChatLLM."""
        return self._client

    @classmethod
    def class_name(cls) -> str:
        return "ccassist_chat_llm"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.num_output,
            is_chat_model=True,
            is_function_calling_model=False,
            model_name=self.model_name,
        )

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        text = self._client.complete([Message(role="user", content=prompt)], **_call_kwargs(kwargs))
        return CompletionResponse(text=text)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        pieces = self._client.stream([Message(role="user", content=prompt)], **_call_kwargs(kwargs))

        def gen() -> CompletionResponseGen:
            text = ""
            for piece in pieces:
                text += piece
                yield CompletionResponse(text=text, delta=piece)

        return gen()

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = self._client.complete(to_messages(messages), **_call_kwargs(kwargs))
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        pieces = self._client.stream(to_messages(messages), **_call_kwargs(kwargs))

        def gen() -> ChatResponseGen:
            text = ""
            for piece in pieces:
                text += piece
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=piece)

        return gen()

    def structured_predict(  # type: ignore[override]
        self,
        output_cls: type[M],
        prompt: BasePromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> M:
        """Fill the prompt, then let the server constrain the reply to ``output_cls``'s JSON schema."""
        messages = self._extend_messages(prompt.format_messages(llm=self, **prompt_args))
        options = {k: v for k, v in _call_kwargs(llm_kwargs or {}).items() if k != "stop"}
        return self._client.complete_model(to_messages(messages), output_cls, **options)
