"""Talking to a running Lectern as a ChatKit front end does: a signed-in reader with a
profile, requests built with the SDK's own request models, and answers parsed with its
models (a JSON answer as the given type, every SSE event as a ThreadStreamEvent)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from chatkit.types import (
    ErrorEvent,
    InferenceOptions,
    ThreadStreamEvent,
    UserMessageInput,
    UserMessageTextContent,
    is_streaming_req,
)
from pydantic import BaseModel, TypeAdapter

EVENTS = TypeAdapter(ThreadStreamEvent)
ERROR = TypeAdapter(ErrorEvent)
PROFILE = {
    "answers": {
        "softwareExperience": "beginner",
        "operatingSystem": "linux",
        "gpu": "none",
        "roboticsHardware": ["none"],
    }
}


def targets() -> dict[str, str]:
    """LECTERN_TARGETS=sqlite=URL,postgres=URL, as run.sh sets it; both are required."""
    raw = os.environ.get("LECTERN_TARGETS", "")
    pairs = dict(p.split("=", 1) for p in raw.split(",") if "=" in p)
    missing = {"sqlite", "postgres"} - pairs.keys()
    if missing:
        raise RuntimeError(f"LECTERN_TARGETS lacks {sorted(missing)} (run tests/chatkit/run.sh)")
    return pairs


def question(text: str) -> UserMessageInput:
    return UserMessageInput(
        content=[UserMessageTextContent(text=text)],
        attachments=[],
        inference_options=InferenceOptions(),
    )


@dataclass
class Answer:
    """One answer: `json` for a JSON body, `events` (raw dicts) for a stream."""

    status: int
    content_type: str
    json: Any = None
    events: list[dict] = field(default_factory=list)

    @property
    def streamed(self) -> bool:
        return self.content_type == "text/event-stream"


def parse_sse(body: str) -> list[dict]:
    """`data: <json>` blocks; comments (keep-alives) are skipped, anything else fails."""
    events = []
    for block in body.split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        data = [line[len("data:"):].lstrip(" ") for line in lines if line.startswith("data:")]
        assert len(data) == len(lines), f"unexpected SSE lines: {lines!r}"
        events.append(json.loads("\n".join(data)))
    return events


class Reader:
    """A reader signed up on one Lectern, with a bearer session token."""

    def __init__(self, base: str, *, profile: bool = True, guest: bool = False):
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=60, headers={"origin": base})
        if guest:
            signed = self.http.post("/api/auth/sign-in/anonymous")
        else:
            email = f"chatkit-{secrets.token_hex(6)}@example.com"
            signed = self.http.post(
                "/api/auth/sign-up/email",
                json={"name": "ChatKit", "email": email, "password": "correct horse battery"},
            )
        assert signed.status_code == 200, signed.text
        self.http.headers["authorization"] = f"Bearer {signed.json()['token']}"
        self.http.cookies.clear()  # the bearer token alone, as a cross-site ChatKit page sends
        if profile and not guest:
            saved = self.http.put("/api/user/profile", json=PROFILE)
            assert saved.status_code in (200, 201), saved.text

    def send(self, request: BaseModel | dict, path: str = "/chatkit") -> Answer:
        body = request.model_dump_json() if isinstance(request, BaseModel) else json.dumps(request)
        res = self.http.post(path, content=body, headers={"content-type": "application/json"})
        content_type = res.headers.get("content-type", "").split(";")[0]
        answer = Answer(res.status_code, content_type)
        assert res.status_code < 500, f"{res.status_code}: {res.text}"
        if answer.streamed:
            answer.events = parse_sse(res.text)
            for event in answer.events:
                EVENTS.validate_python(event)  # the SDK must be able to read every event
        else:
            assert content_type == "application/json", content_type
            answer.json = res.json()
        return answer

    def ok(self, request: BaseModel, model: Any) -> Any:
        """A JSON answer, parsed with `model` (a pydantic type or TypeAdapter target)."""
        answer = self.send(request)
        assert answer.status == 200 and not answer.streamed, (answer.status, answer.json)
        return TypeAdapter(model).validate_python(answer.json)

    def stream(self, request: BaseModel) -> list:
        """A streamed answer's events, parsed with the SDK's ThreadStreamEvent."""
        answer = self.send(request)
        assert answer.status == 200 and answer.streamed, (answer.status, answer.json)
        return [EVENTS.validate_python(e) for e in answer.events]

    def error(self, request: BaseModel | dict, status: int, code: str) -> ErrorEvent:
        """A refused request: the SDK's ErrorEvent, as the body (JSON requests) or as the
        stream's one event (streaming ones, status 200)."""
        answer = self.send(request)
        assert answer.status == status, (answer.status, answer.json, answer.events)
        if isinstance(request, BaseModel):
            assert answer.streamed == is_streaming_req(request), (request.type, answer)
        if answer.streamed:
            assert len(answer.events) == 1, answer.events
            raw = answer.events[0]
        else:
            raw = answer.json
        assert raw.get("lectern_code") == code, raw
        event = ERROR.validate_python(raw)
        assert event.code == "custom" and event.message, raw
        return event
