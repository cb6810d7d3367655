"""Every ChatKit request type against Lectern, on SQLite and PostgreSQL: requests are the
SDK's request models, and every answer is parsed with the SDK's models (Thread, Page of
threads or items, ThreadStreamEvent, ErrorEvent). An answer the SDK cannot read fails."""

from __future__ import annotations

import httpx
import pytest
from chatkit.types import (
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartAnnotationAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    AttachmentCreateParams,
    AttachmentDeleteParams,
    AttachmentsCreateReq,
    AttachmentsDeleteReq,
    ErrorEvent,
    InputTranscribeParams,
    InputTranscribeReq,
    ItemFeedbackParams,
    ItemsFeedbackReq,
    ItemsListParams,
    ItemsListReq,
    Page,
    StreamOptionsEvent,
    Thread,
    ThreadAddClientToolOutputParams,
    ThreadAddUserMessageParams,
    ThreadCreatedEvent,
    ThreadCreateParams,
    ThreadCustomActionParams,
    ThreadDeleteParams,
    ThreadGetByIdParams,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadListParams,
    ThreadRetryAfterItemParams,
    ThreadsAddClientToolOutputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsCustomActionReq,
    ThreadsDeleteReq,
    ThreadsGetByIdReq,
    ThreadsListReq,
    ThreadsRetryAfterItemReq,
    ThreadsSyncCustomActionReq,
    ThreadsUpdateReq,
    ThreadUpdateParams,
    URLSource,
    UserMessageItem,
)
from chatkit.actions import Action

from lectern import Reader, question, targets

TARGETS = targets()


@pytest.fixture(params=sorted(TARGETS), ids=sorted(TARGETS))
def base(request) -> str:
    return TARGETS[request.param]


def updates(events, kind):
    return [e.update for e in events if isinstance(e, ThreadItemUpdatedEvent) and isinstance(e.update, kind)]


def check_answer(events, thread_id: str) -> AssistantMessageItem:
    """The assistant message of a stream: added empty, its part with annotations (the cited
    sections), text deltas that add up to the done item's text."""
    added = [e for e in events if isinstance(e, ThreadItemAddedEvent)]
    assert len(added) == 1 and isinstance(added[0].item, AssistantMessageItem), events
    assert added[0].item.content == [] and added[0].item.thread_id == thread_id
    done = events[-1]
    assert isinstance(done, ThreadItemDoneEvent) and isinstance(done.item, AssistantMessageItem), done
    item = done.item
    assert item.id == added[0].item.id and item.thread_id == thread_id
    text = "".join(u.delta for u in updates(events, AssistantMessageContentPartTextDelta))
    assert text and item.content[0].text == text
    assert len(updates(events, AssistantMessageContentPartAdded)) == 1
    part_done = updates(events, AssistantMessageContentPartDone)
    assert len(part_done) == 1 and part_done[0].content == item.content[0]
    annotations = [u.annotation for u in updates(events, AssistantMessageContentPartAnnotationAdded)]
    assert annotations and annotations == item.content[0].annotations
    for annotation in annotations:
        assert isinstance(annotation.source, URLSource), annotation
        assert annotation.source.title and annotation.source.url.startswith("/docs/"), annotation
    assert all(e.item_id == item.id for e in events if isinstance(e, ThreadItemUpdatedEvent))
    return item


def test_every_request_type(base):
    reader = Reader(base)

    # threads.create streams: the thread, the user message, the options, then the answer.
    events = reader.stream(ThreadsCreateReq(params=ThreadCreateParams(input=question("What is URDF?"))))
    created, asked, options = events[:3]
    assert isinstance(created, ThreadCreatedEvent) and created.thread.items.data == []
    assert created.thread.title == "What is URDF?" and created.thread.status.type == "active"
    thread_id = created.thread.id
    assert isinstance(asked, ThreadItemDoneEvent) and isinstance(asked.item, UserMessageItem)
    assert asked.item.content[0].text == "What is URDF?" and asked.item.thread_id == thread_id
    assert isinstance(options, StreamOptionsEvent)
    first = check_answer(events[3:], thread_id)

    # threads.add_user_message: the user message, the options, the answer; no thread event.
    events = reader.stream(
        ThreadsAddUserMessageReq(params=ThreadAddUserMessageParams(thread_id=thread_id, input=question("And xacro?")))
    )
    assert isinstance(events[0], ThreadItemDoneEvent) and isinstance(events[0].item, UserMessageItem)
    assert isinstance(events[1], StreamOptionsEvent)
    second_question = events[0].item
    check_answer(events[2:], thread_id)

    # threads.retry_after_item: a new answer to the second question, replacing the old one.
    events = reader.stream(
        ThreadsRetryAfterItemReq(params=ThreadRetryAfterItemParams(thread_id=thread_id, item_id=second_question.id))
    )
    assert isinstance(events[0], StreamOptionsEvent)
    retried = check_answer(events[1:], thread_id)

    # threads.get_by_id: the thread and its items, oldest first.
    thread = reader.ok(ThreadsGetByIdReq(params=ThreadGetByIdParams(thread_id=thread_id)), Thread)
    assert [i.id for i in thread.items.data] == [asked.item.id, first.id, second_question.id, retried.id]
    assert isinstance(thread.items.data[1], AssistantMessageItem)

    # items.list pages both ways with `after`.
    def all_items(order: str) -> list[str]:
        seen, after = [], None
        while True:
            page = reader.ok(
                ItemsListReq(params=ItemsListParams(thread_id=thread_id, limit=3, order=order, after=after)),
                Page[ThreadItem],
            )
            assert len(page.data) <= 3
            seen += [i.id for i in page.data]
            if not page.has_more:
                assert page.after is None
                return seen
            after = page.after

    oldest_first = [i.id for i in thread.items.data]
    assert all_items("asc") == oldest_first
    assert all_items("desc") == oldest_first[::-1]

    # items.feedback answers {} and is the reader API's feedback.
    assert reader.send(
        ItemsFeedbackReq(params=ItemFeedbackParams(thread_id=thread_id, item_ids=[retried.id], kind="positive"))
    ).json == {}
    chat = reader.http.get(f"/api/chats/{thread_id}").json()
    assert chat["messages"][3]["feedback"]["rating"] == "helpful"

    # threads.list pages in both orders.
    others = [
        reader.stream(ThreadsCreateReq(params=ThreadCreateParams(input=question(q))))[0].thread.id
        for q in ("What is a topic?", "What is a node?")
    ]
    def all_threads(order: str) -> list[str]:
        seen, after = [], None
        while True:
            page = reader.ok(ThreadsListReq(params=ThreadListParams(limit=2, order=order, after=after)), Page[Thread])
            assert all(t.items.data == [] for t in page.data)
            seen += [t.id for t in page.data]
            if not page.has_more:
                return seen
            after = page.after

    newest_first = all_threads("desc")
    assert set(newest_first) == {thread_id, *others} and newest_first[:2] == others[::-1]
    assert all_threads("asc") == newest_first[::-1]

    # threads.update renames; threads.delete answers {} and the thread is gone.
    renamed = reader.ok(ThreadsUpdateReq(params=ThreadUpdateParams(thread_id=thread_id, title="Robot models")), Thread)
    assert renamed.title == "Robot models" and renamed.id == thread_id
    assert reader.send(ThreadsDeleteReq(params=ThreadDeleteParams(thread_id=thread_id))).json == {}
    reader.error(ThreadsGetByIdReq(params=ThreadGetByIdParams(thread_id=thread_id)), 404, "CHAT_NOT_FOUND")
    reader.error(
        ThreadsAddUserMessageReq(params=ThreadAddUserMessageParams(thread_id=thread_id, input=question("Hi"))),
        200,
        "CHAT_NOT_FOUND",
    )
    # /api/chatkit is the same endpoint.
    listed = reader.send(ThreadsListReq(params=ThreadListParams()), path="/api/chatkit")
    assert listed.status == 200 and {t["id"] for t in listed.json["data"]} == set(others)


def test_unsupported_requests_get_the_sdk_error(base):
    reader = Reader(base)
    thread_id = reader.stream(ThreadsCreateReq(params=ThreadCreateParams(input=question("What is URDF?"))))[0].thread.id
    action = Action(type="example")
    for request, status in [
        (AttachmentsCreateReq(params=AttachmentCreateParams(name="a.png", size=10, mime_type="image/png")), 400),
        (AttachmentsDeleteReq(params=AttachmentDeleteParams(attachment_id="atc_1")), 400),
        (InputTranscribeReq(params=InputTranscribeParams(audio_base64="AAAA", mime_type="audio/webm")), 400),
        (ThreadsSyncCustomActionReq(params=ThreadCustomActionParams(thread_id=thread_id, action=action)), 400),
        (ThreadsCustomActionReq(params=ThreadCustomActionParams(thread_id=thread_id, action=action)), 200),
        (ThreadsAddClientToolOutputReq(params=ThreadAddClientToolOutputParams(thread_id=thread_id, result={})), 200),
    ]:
        error = reader.error(request, status, "UNSUPPORTED_REQUEST")
        assert isinstance(error, ErrorEvent) and not error.allow_retry
    # A question with an attachment is refused whole: no message is stored.
    with_file = question("See the file")
    with_file.attachments = ["atc_1"]
    reader.error(
        ThreadsAddUserMessageReq(params=ThreadAddUserMessageParams(thread_id=thread_id, input=with_file)),
        200,
        "UNSUPPORTED_REQUEST",
    )
    items = reader.ok(ItemsListReq(params=ItemsListParams(thread_id=thread_id)), Page[ThreadItem])
    assert len(items.data) == 2
    # Not the protocol at all: an unknown type, a malformed envelope, junk JSON.
    reader.error({"type": "threads.frobnicate", "params": {}}, 400, "UNKNOWN_REQUEST")
    reader.error({"type": "threads.get_by_id", "params": {"id": thread_id}}, 400, "VALIDATION_ERROR")
    res = reader.http.post("/chatkit", content=b"{nope", headers={"content-type": "application/json"})
    assert res.status_code == 400 and ErrorEvent.model_validate(res.json()).message
    res = reader.http.post("/chatkit", content=b"x" * (65 * 1024), headers={"content-type": "application/json"})
    assert res.status_code == 413 and ErrorEvent.model_validate(res.json()).message


def test_profile_required_and_unauthenticated(base):
    reader = Reader(base, profile=False)
    error = reader.error(ThreadsListReq(params=ThreadListParams()), 403, "PROFILE_REQUIRED")
    assert "background" in error.message
    # A streaming request gets it as the stream's error event, which the ChatKit UI shows.
    reader.error(ThreadsCreateReq(params=ThreadCreateParams(input=question("What is URDF?"))), 200, "PROFILE_REQUIRED")

    # A guest is not gated.
    guest = Reader(base, guest=True)
    events = guest.stream(ThreadsCreateReq(params=ThreadCreateParams(input=question("What is URDF?"))))
    assert isinstance(events[0], ThreadCreatedEvent)

    # No credential: 401 in the SDK's error shape.
    res = httpx.post(
        f"{base}/chatkit",
        content=ThreadsListReq(params=ThreadListParams()).model_dump_json(),
        headers={"content-type": "application/json", "origin": base},
    )
    assert res.status_code == 401
    error = ErrorEvent.model_validate(res.json())
    assert res.json()["lectern_code"] == "UNAUTHORIZED" and error.message


def test_one_reader_never_sees_anothers_threads(base):
    ada, eve = Reader(base), Reader(base)
    events = ada.stream(ThreadsCreateReq(params=ThreadCreateParams(input=question("What is URDF?"))))
    thread_id, answer = events[0].thread.id, events[-1].item.id
    assert eve.ok(ThreadsListReq(params=ThreadListParams()), Page[Thread]).data == []
    eve.error(ThreadsGetByIdReq(params=ThreadGetByIdParams(thread_id=thread_id)), 404, "CHAT_NOT_FOUND")
    eve.error(ItemsListReq(params=ItemsListParams(thread_id=thread_id)), 404, "CHAT_NOT_FOUND")
    eve.error(ThreadsUpdateReq(params=ThreadUpdateParams(thread_id=thread_id, title="x")), 404, "CHAT_NOT_FOUND")
    eve.error(ThreadsDeleteReq(params=ThreadDeleteParams(thread_id=thread_id)), 404, "CHAT_NOT_FOUND")
    eve.error(
        ItemsFeedbackReq(params=ItemFeedbackParams(thread_id=thread_id, item_ids=[answer], kind="negative")),
        404,
        "CHAT_NOT_FOUND",
    )
    eve.error(
        ThreadsRetryAfterItemReq(params=ThreadRetryAfterItemParams(thread_id=thread_id, item_id=answer)),
        200,
        "CHAT_NOT_FOUND",
    )
    still = ada.ok(ThreadsGetByIdReq(params=ThreadGetByIdParams(thread_id=thread_id)), Thread)
    assert still.title == "What is URDF?" and len(still.items.data) == 2
