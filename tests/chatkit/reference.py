"""A ChatKit server written with the openai-chatkit SDK, as a team would have written its
Python backend before moving to Lectern: a minimal in-memory Store (the SDK ships none) and
a scripted `respond` that streams one fixed, cited answer as text deltas. The side-by-side
test sends it the same requests as Lectern, in process (`ChatKitServer.process`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from chatkit.server import ChatKitServer, StreamingResult
from chatkit.store import NotFoundError, Store
from chatkit.types import (
    Annotation,
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartAnnotationAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    Attachment,
    Page,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    URLSource,
    UserMessageItem,
)

ANSWER = ["URDF describes ", "a robot's links ", "and joints."]
SOURCE = URLSource(title="Robot models", url="/docs/urdf#links-and-joints")


def _page(rows: list, after: str | None, limit: int, order: str, key) -> Page:
    rows = sorted(rows, key=key, reverse=order == "desc")
    if after is not None:
        ids = [r.id for r in rows]
        rows = rows[ids.index(after) + 1 :] if after in ids else []
    data = rows[:limit]
    has_more = len(rows) > limit
    return Page(data=data, has_more=has_more, after=data[-1].id if has_more and data else None)


class MemoryStore(Store[dict]):
    def __init__(self) -> None:
        self.threads: dict[str, ThreadMetadata] = {}
        self.items: dict[str, list[ThreadItem]] = {}

    async def load_thread(self, thread_id: str, context: dict) -> ThreadMetadata:
        if thread_id not in self.threads:
            raise NotFoundError(thread_id)
        return self.threads[thread_id].model_copy(deep=True)

    async def save_thread(self, thread: ThreadMetadata, context: dict) -> None:
        self.threads[thread.id] = ThreadMetadata(**thread.model_dump(exclude={"items"}))
        self.items.setdefault(thread.id, [])

    async def load_thread_items(self, thread_id, after, limit, order, context) -> Page[ThreadItem]:
        return _page(self.items.get(thread_id, []), after, limit, order, key=lambda i: i.created_at)

    async def load_threads(self, limit, after, order, context) -> Page[ThreadMetadata]:
        return _page(list(self.threads.values()), after, limit, order, key=lambda t: t.created_at)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: dict) -> None:
        self.items.setdefault(thread_id, []).append(item)

    async def save_item(self, thread_id: str, item: ThreadItem, context: dict) -> None:
        items = self.items.setdefault(thread_id, [])
        self.items[thread_id] = [item if i.id == item.id else i for i in items]

    async def load_item(self, thread_id: str, item_id: str, context: dict) -> ThreadItem:
        for item in self.items.get(thread_id, []):
            if item.id == item_id:
                return item
        raise NotFoundError(item_id)

    async def delete_thread(self, thread_id: str, context: dict) -> None:
        self.threads.pop(thread_id, None)
        self.items.pop(thread_id, None)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: dict) -> None:
        self.items[thread_id] = [i for i in self.items.get(thread_id, []) if i.id != item_id]

    async def save_attachment(self, attachment: Attachment, context: dict) -> None:
        raise NotImplementedError

    async def load_attachment(self, attachment_id: str, context: dict) -> Attachment:
        raise NotFoundError(attachment_id)

    async def delete_attachment(self, attachment_id: str, context: dict) -> None:
        raise NotImplementedError


class ReferenceServer(ChatKitServer[dict]):
    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: dict
    ) -> AsyncIterator[ThreadStreamEvent]:
        item = AssistantMessageItem(
            id=self.store.generate_item_id("message", thread, context),
            thread_id=thread.id,
            created_at=datetime.now(),
            content=[],
        )
        yield ThreadItemAddedEvent(item=item)
        part = AssistantMessageContent(text="", annotations=[])
        yield ThreadItemUpdatedEvent(
            item_id=item.id, update=AssistantMessageContentPartAdded(content_index=0, content=part)
        )
        annotation = Annotation(source=SOURCE)
        yield ThreadItemUpdatedEvent(
            item_id=item.id,
            update=AssistantMessageContentPartAnnotationAdded(
                content_index=0, annotation_index=0, annotation=annotation
            ),
        )
        for delta in ANSWER:
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta=delta),
            )
        done = AssistantMessageContent(text="".join(ANSWER), annotations=[annotation])
        yield ThreadItemUpdatedEvent(
            item_id=item.id, update=AssistantMessageContentPartDone(content_index=0, content=done)
        )
        yield ThreadItemDoneEvent(item=item.model_copy(update={"content": [done]}))


class Reference:
    """The reference server behind the same call the test makes to Lectern: the raw request
    body in; `("json", body)`, `("stream", body)` or `("exception", name)` out."""

    def __init__(self) -> None:
        self.server = ReferenceServer(MemoryStore())

    def process(self, body: bytes) -> tuple[str, Any]:
        async def run():
            result = await self.server.process(body, {})
            if isinstance(result, StreamingResult):
                return "stream", b"".join([chunk async for chunk in result]).decode()
            return "json", result.json.decode()

        try:
            return asyncio.run(run())
        except Exception as err:  # what the SDK's host framework would answer as a 500
            return "exception", type(err).__name__
