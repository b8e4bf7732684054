#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes crafted envelope bodies for the stand-in's self-test.

usage: craft.py OUTDIR KEY PORT

Each file is named <expected HTTP status>-<case>.env; exactly one case is
good (200-good.env).  Every bad case breaks one rule of the good one.
"""

import json
import os
import sys
import uuid

out, key, port = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
DSN = "http://%s@127.0.0.1:%s/42" % (key, port)
SENT_AT = "2026-11-23T10:00:00.123Z"


def event(**over):
    ev = {
        "event_id": uuid.uuid4().hex,
        "timestamp": "2026-11-23T09:59:59.000Z",
        "platform": "other",
        "level": "error",
        "logger": "standin.selftest",
        "server_name": "host-1",
        "release": "web@1.0",
        "environment": "test",
        "logentry": {"formatted": "container web-1 exited 3\nboom"},
        "tags": {"exit_code": "3", "service": "web"},
        "contexts": {"container": {"name": "web-1", "exit_code": 3}},
        "extra": {"log_tail": "boom\n"},
        "fingerprint": ["docker-crash", "web", "exit:3"],
    }
    for k, v in over.items():
        if v is None:
            ev.pop(k, None)
        else:
            ev[k] = v
    return ev


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def envelope(ev=None, header=None, item=None, payload=None, tail=b"\n",
             raw_header=None):
    ev = ev if ev is not None else event()
    if payload is None:
        payload = dumps(ev).encode()
    h = {"event_id": ev.get("event_id"), "dsn": DSN, "sent_at": SENT_AT}
    for k, v in (header or {}).items():
        if v is None:
            h.pop(k, None)
        else:
            h[k] = v
    ih = {"type": "event", "length": len(payload)}
    for k, v in (item or {}).items():
        if v is None:
            ih.pop(k, None)
        else:
            ih[k] = v
    hline = raw_header if raw_header is not None else dumps(h).encode()
    return hline + b"\n" + dumps(ih).encode() + b"\n" + payload + tail


def write(name, body, why=""):
    """why: a piece of the reason the stand-in must give (X-Sentry-Error)."""
    with open(os.path.join(out, name + ".env"), "wb") as f:
        f.write(body)
    with open(os.path.join(out, name + ".why"), "w") as f:
        f.write(why)


write("200-good", envelope())
# Framing ([env], [items]).
e = event()
good = dumps(e).encode()
write("400-length-long", envelope(ev=e, item={"length": len(good) + 2},
                                  payload=good), "exceeds the")
write("400-length-short", envelope(ev=e, item={"length": len(good) - 1},
                                   payload=good), "does not match")
write("400-length-chars-not-bytes",
      envelope(payload=dumps(event(logentry={"formatted": "h\u00e9llo"}))
               .encode(),
               item={"length": len(dumps(event(logentry={
                   "formatted": "h\u00e9llo"})))}),
      "does not match")
write("400-no-type", envelope(item={"type": None}),
      "without type")
write("400-no-length", envelope(item={"length": None}),
      "without length")
write("400-header-not-json", envelope(raw_header=b"{event_id: 1}"),
      "not valid JSON")
e = event()
write("400-header-cr", envelope(ev=e, raw_header=dumps(
    {"event_id": e["event_id"], "sent_at": SENT_AT}).encode() + b"\r"),
      "whitespace or CR")
write("400-header-padded", envelope(ev=e, raw_header=b" " + dumps(
    {"event_id": e["event_id"], "sent_at": SENT_AT}).encode()),
      "whitespace or CR")
write("400-envelope-no-event-id", envelope(header={"event_id": None}),
      "no event_id header")
write("400-event-id-mismatch", envelope(header={"event_id":
                                                uuid.uuid4().hex}),
      "differs from the envelope")
e = event()
e["event_id"] = e["event_id"].upper()
write("400-event-id-upper", envelope(ev=e),
      "32 lowercase hex")
e = event()
e["event_id"] = e["event_id"][:31]
write("400-event-id-short", envelope(ev=e, header={"event_id":
                                                   e["event_id"] + "0"}),
      "32 lowercase hex")
e = event()
e["event_id"] = str(uuid.UUID(e["event_id"]))
write("400-event-id-dashes", envelope(ev=e),
      "32 lowercase hex")
e = event()
write("400-duplicate-sent-at", envelope(ev=e, raw_header=(
    '{"event_id":"%s","sent_at":"%s","sent_at":"%s"}'
    % (e["event_id"], SENT_AT, SENT_AT)).encode()),
      "duplicate key 'sent_at'")
write("400-no-sent-at", envelope(header={"sent_at": None}),
      "sent_at missing")
write("400-sent-at-not-utc",
      envelope(header={"sent_at": "2026-11-23T12:00:00.123+02:00"}),
      "RFC 3339 UTC")
write("403-dsn-other-key", envelope(header={
    "dsn": "http://0123456789abcdef@127.0.0.1:%s/42" % port}),
      "dsn has another key")
write("403-dsn-other-project", envelope(header={
    "dsn": "http://%s@127.0.0.1:%s/43" % (key, port)}),
      "another project")
e1, e2 = event(), event()
p2 = dumps(e2).encode()
write("400-two-events", envelope(ev=e1, tail=b"\n" + dumps(
    {"type": "event", "length": len(p2)}).encode() + b"\n" + p2 + b"\n"),
      "exactly one event item")
write("400-no-items", dumps({"event_id": e1["event_id"],
                             "sent_at": SENT_AT}).encode() + b"\n",
      "no items")
write("400-reserved-type", envelope(item={"type": "security"}),
      "reserved")
write("400-trailing-garbage", envelope(tail=b"x"),
      "does not match")
write("400-trailing-whitespace", envelope(tail=b"\n "),
      "without payload")
# Event payload ([payload], [relay], [tags], [contexts], [limits]).
write("400-no-timestamp", envelope(ev=event(timestamp=None)),
      "timestamp")
write("400-bad-timestamp", envelope(ev=event(timestamp="yesterday")),
      "timestamp")
e = event()
write("400-nan-timestamp", envelope(ev=e, payload=dumps(e).replace(
    '"2026-11-23T09:59:59.000Z"', "NaN").encode()),
      "NaN is not JSON")
write("400-no-platform", envelope(ev=event(platform=None)),
      "platform")
write("400-bad-platform", envelope(ev=event(platform="cpp")),
      "platform")
write("400-bad-level", envelope(ev=event(level="critical")),
      "level")
write("400-logentry-no-formatted", envelope(ev=event(
    logentry={"message": "x"})),
      "logentry.formatted")
write("400-tag-key-long", envelope(ev=event(tags={"k" * 33: "v"})),
      "tag key")
write("400-tag-key-chars", envelope(ev=event(tags={"a b": "v"})),
      "tag key")
write("400-tag-value-long", envelope(ev=event(tags={"k": "v" * 201})),
      "value not a string")
write("400-tag-value-newline", envelope(ev=event(tags={"k": "a\nb"})),
      "value not a string")
write("400-fingerprint-not-strings", envelope(ev=event(fingerprint=[1])),
      "fingerprint")
write("400-context-big", envelope(ev=event(contexts={
    "container": {"log": "x" * 9000}})),
      "larger than 8 kB")
write("400-extra-item-big", envelope(ev=event(extra={"log": "x" * 17000})),
      "larger than 16 kB")
write("413-event-big", envelope(ev=event(extra={
    "a%d" % i: "x" * 15000 for i in range(80)})),
      "larger than 1 MiB")
e = event()
write("400-bad-utf8", envelope(ev=e, payload=dumps(e).replace(
    "boom", "bo\udcffm").encode("utf-8", "surrogateescape")),
      "not valid UTF-8")
