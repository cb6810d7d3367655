"""The same ChatKit requests to Lectern (on SQLite and PostgreSQL) and to a reference server
written with the SDK (reference.py): the outcome of each (JSON, stream, error), the shapes of
the JSON answers and events (keys and value types, not values), and the order and types of
the stream events must agree, except where known-differences.json says why they do not. An
unlisted difference fails, and so does a listed one that no longer occurs."""

from __future__ import annotations

import json
import os
from fnmatch import fnmatchcase as fnmatch
from pathlib import Path

import pytest
from chatkit.actions import Action
from chatkit.types import (
    AttachmentCreateParams,
    AttachmentsCreateReq,
    ItemFeedbackParams,
    ItemsFeedbackReq,
    ItemsListParams,
    ItemsListReq,
    ThreadAddUserMessageParams,
    ThreadCreateParams,
    ThreadCustomActionParams,
    ThreadDeleteParams,
    ThreadGetByIdParams,
    ThreadListParams,
    ThreadRetryAfterItemParams,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsCustomActionReq,
    ThreadsDeleteReq,
    ThreadsGetByIdReq,
    ThreadsListReq,
    ThreadsRetryAfterItemReq,
    ThreadsUpdateReq,
    ThreadUpdateParams,
)

from lectern import Reader, parse_sse, question, targets
from reference import Reference

TARGETS = targets()
KNOWN = json.loads((Path(__file__).parent / "known-differences.json").read_text())["differences"]


# ---------------------------------------------------------------- outcomes and shapes
def outcome(kind: str, body) -> tuple[str, object]:
    """("json", value), ("stream", events), ("error", error event) or ("exception", name)."""
    if kind == "exception":
        return kind, body
    if kind == "stream":
        events = parse_sse(body) if isinstance(body, str) else body
        if len(events) == 1 and events[0].get("type") == "error":
            return "error", events[0]
        return "stream", events
    value = json.loads(body) if isinstance(body, str) else body
    return ("error" if isinstance(value, dict) and value.get("type") == "error" else "json"), value


def shape(value):
    """Keys and value types. List elements are merged by their `type` (user and assistant
    messages, say, each keep their own shape)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        groups: dict[str, object] = {}
        for element in value:
            tag = element.get("type", "*") if isinstance(element, dict) else "*"
            groups[tag] = merge(groups[tag], shape(element)) if tag in groups else shape(element)
        return {"[]": groups}
    return {bool: "bool", int: "number", float: "number", str: "string", type(None): "null"}[type(value)]


def merge(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: merge(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k)) for k in {**a, **b}}
    return a if a == b else "|".join(sorted({str(a), str(b)}))


def describe(s) -> str:
    return s if isinstance(s, str) else ("list" if "[]" in s else "object")


def diff(lectern, reference, path="$") -> list[tuple[str, str, str]]:
    """(path, Lectern's, the reference's) for every place the shapes disagree. An empty list
    on either side says nothing about its elements, so it is not compared."""
    if isinstance(lectern, dict) and isinstance(reference, dict):
        if "[]" in lectern and "[]" in reference:
            mine, theirs = lectern["[]"], reference["[]"]
            if not mine or not theirs:
                return []
            out = []
            for tag in sorted(mine.keys() | theirs.keys()):
                where = f"{path}[{tag}]"
                if tag not in theirs or tag not in mine:
                    out.append((where, "present" if tag in mine else "absent", "present" if tag in theirs else "absent"))
                else:
                    out += diff(mine[tag], theirs[tag], where)
            return out
        out = []
        for key in sorted(lectern.keys() | reference.keys()):
            where = f"{path}.{key}"
            if key not in reference:
                out.append((where, describe(lectern[key]), "absent"))
            elif key not in lectern:
                out.append((where, "absent", describe(reference[key])))
            else:
                out += diff(lectern[key], reference[key], where)
        return out
    if lectern != reference:
        return [(path, describe(lectern), describe(reference))]
    return []


def event_kind(event: dict) -> str:
    update = event.get("update", {}).get("type")
    return f"{event['type']}:{update}" if update else event["type"]


def collapse(kinds: list[str]) -> list[str]:
    """The order of event types, a run of the same type counted once (how many text deltas
    or cited sections an answer has is content, not protocol)."""
    return [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]


def compare(step: str, mine: tuple[str, object], theirs: tuple[str, object]) -> list[dict]:
    found = []

    def note(where: str, lectern: str, reference: str):
        found.append({"step": step, "where": where, "lectern": lectern, "reference": reference})

    if mine[0] != theirs[0]:
        note("outcome", mine[0], theirs[0])
        return found
    if mine[0] == "stream":
        order_mine, order_theirs = collapse([event_kind(e) for e in mine[1]]), collapse([event_kind(e) for e in theirs[1]])
        if order_mine != order_theirs:
            note("event order", " > ".join(order_mine), " > ".join(order_theirs))
        def by_kind(events):
            kinds = {}
            for event in events:
                k = event_kind(event)
                kinds[k] = merge(kinds[k], shape(event)) if k in kinds else shape(event)
            return kinds

        a, b = by_kind(mine[1]), by_kind(theirs[1])
        for kind in sorted(a.keys() & b.keys()):
            for where, lectern, reference in diff(a[kind], b[kind], kind):
                note(where, lectern, reference)
    elif mine[0] in ("json", "error"):
        for where, lectern, reference in diff(shape(mine[1]), shape(theirs[1])):
            note(where, lectern, reference)
    return found


# ---------------------------------------------------------------- the request sequence
class Both:
    """Sends each request to Lectern and to the reference, keeps both outcomes, and maps
    ids: the test names things by what they are, each server has its own ids."""

    def __init__(self, base: str):
        self.lectern, self.reference = Reader(base), Reference()
        self.differences: list[dict] = []

    def send(self, step: str, build):
        """`build(side)` makes the request for `side` ("lectern" or "reference")."""
        answer = self.lectern.send(build("lectern"))
        mine = outcome("stream" if answer.streamed else "json", answer.events if answer.streamed else answer.json)
        theirs = outcome(*self.reference.process(build("reference").model_dump_json().encode()))
        self.differences += compare(step, mine, theirs)
        return {"lectern": mine[1], "reference": theirs[1]}


def created(events: dict) -> dict:
    return {side: evs[0]["thread"]["id"] for side, evs in events.items()}


def first_of(events: dict, item_type: str) -> dict:
    return {
        side: next(e["item"]["id"] for e in evs if e["type"] == "thread.item.done" and e["item"]["type"] == item_type)
        for side, evs in events.items()
    }


@pytest.mark.parametrize("backend", sorted(TARGETS))
def test_lectern_answers_as_the_sdk_server_does(backend):
    both = Both(TARGETS[backend])
    ask = lambda text: ThreadCreateParams(input=question(text))
    a = both.send("threads.create", lambda side: ThreadsCreateReq(params=ask("What is URDF?")))
    thread = created(a)
    added = both.send(
        "threads.add_user_message",
        lambda s: ThreadsAddUserMessageReq(params=ThreadAddUserMessageParams(thread_id=thread[s], input=question("And xacro?"))),
    )
    second = first_of(added, "user_message")
    retried = both.send(
        "threads.retry_after_item",
        lambda s: ThreadsRetryAfterItemReq(params=ThreadRetryAfterItemParams(thread_id=thread[s], item_id=second[s])),
    )
    answer = first_of(retried, "assistant_message")
    both.send("threads.get_by_id", lambda s: ThreadsGetByIdReq(params=ThreadGetByIdParams(thread_id=thread[s])))
    page = both.send(
        "items.list",
        lambda s: ItemsListReq(params=ItemsListParams(thread_id=thread[s], limit=2, order="desc")),
    )
    after = {side: p["after"] for side, p in page.items()}
    both.send(
        "items.list (next page)",
        lambda s: ItemsListReq(params=ItemsListParams(thread_id=thread[s], limit=2, order="desc", after=after[s])),
    )
    both.send("items.list (asc)", lambda s: ItemsListReq(params=ItemsListParams(thread_id=thread[s], order="asc")))
    other = created(both.send("threads.create", lambda side: ThreadsCreateReq(params=ask("What is a topic?"))))
    listed = both.send("threads.list", lambda s: ThreadsListReq(params=ThreadListParams(limit=1)))
    after = {side: p["after"] for side, p in listed.items()}
    both.send("threads.list (next page)", lambda s: ThreadsListReq(params=ThreadListParams(limit=1, after=after[s])))
    both.send(
        "items.feedback",
        lambda s: ItemsFeedbackReq(params=ItemFeedbackParams(thread_id=thread[s], item_ids=[answer[s]], kind="positive")),
    )
    both.send("threads.update", lambda s: ThreadsUpdateReq(params=ThreadUpdateParams(thread_id=thread[s], title="Robots")))
    both.send("threads.delete", lambda s: ThreadsDeleteReq(params=ThreadDeleteParams(thread_id=other[s])))
    # Refusals: a deleted thread, an attachment, a widget action.
    both.send("threads.get_by_id (deleted)", lambda s: ThreadsGetByIdReq(params=ThreadGetByIdParams(thread_id=other[s])))
    both.send(
        "attachments.create",
        lambda s: AttachmentsCreateReq(params=AttachmentCreateParams(name="a.png", size=10, mime_type="image/png")),
    )
    both.send(
        "threads.custom_action",
        lambda s: ThreadsCustomActionReq(params=ThreadCustomActionParams(thread_id=thread[s], action=Action(type="x"))),
    )

    artifacts = os.environ.get("CHATKIT_ARTIFACTS")
    if artifacts:
        Path(artifacts, f"side-by-side-{backend}.json").write_text(json.dumps(both.differences, indent=2))
    def matches(known: dict, d: dict) -> bool:
        return (
            any(fnmatch(d["step"], step) for step in known["steps"])
            and fnmatch(d["where"], known["where"])
            and (known["lectern"], known["reference"]) == (d["lectern"], d["reference"])
        )

    unlisted = [d for d in both.differences if not any(matches(k, d) for k in KNOWN)]
    stale = [k["where"] for k in KNOWN if not any(matches(k, d) for d in both.differences)]
    assert not unlisted, "unlisted differences from the reference:\n" + "\n".join(json.dumps(d) for d in unlisted)
    assert not stale, f"known-differences.json lists differences that no longer occur: {stale}"
