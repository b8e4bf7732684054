#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A strict stand-in for Sentry's envelope endpoint, for tests.

It listens on a free loopback port (written to --port-file), accepts
POST {prefix}/api/{project}/envelope/ and checks every request against
Sentry's developer documentation (develop.sentry.dev, source in
getsentry/sentry-docs develop-docs/sdk/); each rule below names the
document it comes from.  Where the documentation tolerates something our
client never does (query-string auth, a missing length, text/plain), the
stand-in refuses it and says so: it exists to prove our client right.

Accepted events are written to --store, one <event_id>.json per event.
Every request is appended as one JSON line to --journal (time, status,
event_id, reason), and rejections are also logged on stderr.

Control endpoint (not part of Sentry):
  POST /_control/ratelimit  {"count": K} or {"seconds": S}, plus optional
        "status" (default 429), "retry_after" (seconds, sent as
        Retry-After) and "rate_limits" (sent as X-Sentry-Rate-Limits).
        With status 200 the event is accepted and the headers are added.
  POST /_control/reset      clears the rate-limit script.
  GET  /_control/stats      {"accepted": n, "rejected": n, "limited": n}

Documents cited:
  [auth]     sdk/foundations/transport/authentication.mdx
  [env]      sdk/data-model/envelopes.mdx
  [items]    sdk/data-model/envelope-items.mdx
  [payload]  sdk/data-model/event-payloads/index.mdx
  [message]  sdk/data-model/event-payloads/message.mdx
  [exc]      sdk/data-model/event-payloads/exception.mdx
  [contexts] sdk/data-model/event-payloads/contexts.mdx
  [rate]     sdk/expected-features/rate-limiting.mdx
  [tags]     docs.sentry.io platforms/native/enriching-events/tags
  [relay]    getsentry/relay relay-event-schema/src/protocol/constants.rs
  [limits]   getsentry/relay relay-config/src/config.rs (Limits::default)
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# [relay] VALID_PLATFORMS; [payload] says "platform" must be one of the
# platforms Sentry knows.
VALID_PLATFORMS = {
    "as3", "c", "cfml", "cocoa", "csharp", "elixir", "go", "groovy",
    "haskell", "java", "javascript", "native", "node", "objc", "other",
    "perl", "php", "python", "ruby",
}
# [payload] "level": acceptable values.
VALID_LEVELS = {"fatal", "error", "warning", "info", "debug"}
# [items] item types an SDK must not write.
RESERVED_ITEM_TYPES = {"security", "unreal_report", "form_data"}

MAX_BODY = 20 * 1024 * 1024          # [env] Size Limits: compressed request
MAX_DECOMPRESSED = 100 * 1024 * 1024  # [env] Size Limits: after decompression
MAX_EVENT = 1024 * 1024              # [env] Size Limits: event item 1MB
MAX_CONTEXT = 8 * 1024               # [contexts] / [limits] per context
MAX_EXTRA_ITEM = 16 * 1024           # [limits] each extra value
MAX_EXTRA = 256 * 1024               # [limits] the whole extra object
MAX_MESSAGE = 8192                   # [message] Relay's limit
TAG_KEY_RE = re.compile(r"^[a-zA-Z0-9_.:-]{1,32}$")  # [tags]
TAG_VALUE_MAX = 200                  # [tags], [payload] "< 200 characters"
HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
UUID_RE = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?"
                        r"(Z|[+-]\d{2}:\d{2})$")
RFC3339_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?"
                            r"(Z|\+00:00)$")
CLIENT_RE = re.compile(r"^[^\s/,]+/[^\s/,]+$")


class Reject(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def compact_size(value):
    return len(json.dumps(value, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8"))


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen[k] = v
    return seen


def reject_constant(name):
    # NaN and Infinity are not JSON (RFC 8259), whatever Python accepts.
    raise ValueError("%s is not JSON" % name)


def parse_json(raw, what):
    """Strict JSON: UTF-8 [env] Headers "Always encoded in UTF-8", no
    duplicate keys ([env] sent_at: "If more than one sent_at header is
    written, Sentry will reject the entire envelope")."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise Reject(400, "%s is not valid UTF-8: %s" % (what, e))
    try:
        return json.loads(text, object_pairs_hook=no_duplicates,
                          parse_constant=reject_constant)
    except ValueError as e:
        raise Reject(400, "%s is not valid JSON: %s" % (what, e))


def check_header_line(line, what):
    # [env] Headers: "Must be declared in a single line", "Must not be
    # padded by leading or trailing whitespace"; Prerequisites: a "\r"
    # before "\n" belongs to the line "and may emit an error".
    if line != line.strip() or line.endswith(b"\r"):
        raise Reject(400, "%s has leading/trailing whitespace or CR" % what)
    obj = parse_json(line, what)
    if not isinstance(obj, dict):
        raise Reject(400, "%s is not a JSON object" % what)
    return obj


class Config:
    def __init__(self, args):
        self.key = args.key
        self.project = args.project
        self.prefix = args.prefix.rstrip("/")
        self.dsn_host = None  # filled once the port is known
        self.store = args.store
        self.journal = args.journal
        self.lock = threading.Lock()
        self.script = None
        self.stats = {"accepted": 0, "rejected": 0, "limited": 0}


def parse_auth(value):
    """[auth] Authentication Header: "Sentry sentry_version=7,
    sentry_client=<client>, sentry_key=<key>[, sentry_secret=<secret>]"."""
    if not value.startswith("Sentry "):
        raise Reject(401, "X-Sentry-Auth must start with 'Sentry '")
    fields = {}
    for part in value[len("Sentry "):].split(","):
        part = part.strip()
        if "=" not in part:
            raise Reject(401, "X-Sentry-Auth: malformed field %r" % part)
        k, v = part.split("=", 1)
        k, v = k.strip(), v.strip()
        if k in fields:
            raise Reject(401, "X-Sentry-Auth: duplicate %s" % k)
        fields[k] = v
    return fields


def check_auth(cfg, headers, path_query):
    # Strict: our client authenticates with the header only, never the
    # query string ([auth] allows it "in situations where it's not
    # possible to send the custom X-Sentry-Auth header").
    if "sentry_key=" in path_query:
        raise Reject(401, "query-string auth is not used by our client")
    if len(headers.get_all("X-Sentry-Auth") or []) > 1:
        raise Reject(401, "more than one X-Sentry-Auth")
    value = headers.get("X-Sentry-Auth")
    if value is None:
        # [env] Authentication: "If both are missing, the Envelope is
        # rejected"; strict: we require the header ([env] "stick to HTTP
        # headers").
        raise Reject(401, "missing X-Sentry-Auth")
    fields = parse_auth(value)
    # [auth] sentry_version: "Required ... The current version of the
    # protocol is 7".
    if fields.get("sentry_version") != "7":
        raise Reject(401, "X-Sentry-Auth: sentry_version must be 7")
    # [auth] sentry_key: "Required".
    if "sentry_key" not in fields:
        raise Reject(401, "X-Sentry-Auth: missing sentry_key")
    if fields["sentry_key"] != cfg.key:
        raise Reject(403, "X-Sentry-Auth: unknown sentry_key")
    # [auth] sentry_client: "Recommended ... client_name/client_version";
    # required here.
    client = fields.get("sentry_client", "")
    if not CLIENT_RE.match(client):
        raise Reject(401, "X-Sentry-Auth: sentry_client must be name/version")
    # [auth] sentry_timestamp "is effectively deprecated ... Use the sent_at
    # envelope header instead".
    if "sentry_timestamp" in fields:
        raise Reject(401, "X-Sentry-Auth: deprecated sentry_timestamp sent")
    unknown = set(fields) - {"sentry_version", "sentry_key", "sentry_client",
                             "sentry_secret"}
    if unknown:
        raise Reject(401, "X-Sentry-Auth: unknown fields %s" % sorted(unknown))


def check_http_headers(headers):
    # [env] Ingestion/HTTP Headers: "The only accepted content-type is
    # application/x-sentry-envelope" (the tolerated CORS forms are not
    # something our client sends).
    if len(headers.get_all("Content-Type") or []) > 1:
        raise Reject(400, "more than one Content-Type")
    ctype = headers.get("Content-Type")
    if ctype is None or ctype.split(";")[0].strip().lower() != \
            "application/x-sentry-envelope":
        raise Reject(415, "Content-Type must be application/x-sentry-envelope")
    # [auth] HTTP Headers: "We recommend always sending content-type,
    # content-length, user-agent"; User Agent: "{sdk-name}/{sdk-version}".
    if headers.get("Content-Length") is None:
        raise Reject(411, "missing Content-Length")
    ua = headers.get("User-Agent", "")
    if not CLIENT_RE.match(ua.split(" ")[0]):
        raise Reject(400, "User-Agent must be sdk-name/sdk-version")


def check_dsn_header(cfg, dsn):
    # [env] Envelope Headers "dsn": the full DSN; Authentication: "If
    # multiple forms of authentication are given, the endpoint validates
    # that the information matches and otherwise rejects the request."
    if not isinstance(dsn, str):
        raise Reject(400, "envelope header dsn is not a string")
    m = re.match(r"^(https?)://([^:@/]+)(?::[^@/]*)?@([^/]+)(/.*)?/([^/]+)/?$",
                 dsn)
    if m is None:
        raise Reject(400, "envelope header dsn is malformed")
    if m.group(2) != cfg.key:
        raise Reject(403, "envelope header dsn has another key")
    if m.group(5) != cfg.project or (m.group(4) or "") != cfg.prefix:
        raise Reject(403, "envelope header dsn names another project")
    if m.group(3) != cfg.dsn_host:
        raise Reject(403, "envelope header dsn names another host")


def split_envelope(body):
    """[env] Envelope = Headers { "\\n" Item } [ "\\n" ];
    Item = Headers "\\n" Payload."""
    nl = body.find(b"\n")
    if nl == -1:
        header_line, rest = body, b""
    else:
        header_line, rest = body[:nl], body[nl + 1:]
    header = check_header_line(header_line, "envelope header")
    items = []
    pos = 0
    while pos < len(rest):
        nl = rest.find(b"\n", pos)
        if nl == -1:
            raise Reject(400, "item header without payload")
        ih = check_header_line(rest[pos:nl], "item header")
        pos = nl + 1
        # [env] Items: "type: String, required".
        if not isinstance(ih.get("type"), str) or not ih["type"]:
            raise Reject(400, "item header without type")
        # [env] Items: "length ... recommended"; "By default, always
        # declare the payload length" - required here.
        length = ih.get("length")
        if "length" not in ih:
            raise Reject(400, "item header without length")
        if not isinstance(length, int) or isinstance(length, bool) or \
                length < 0:
            raise Reject(400, "item length is not a non-negative integer")
        # [env] "If length cannot be consumed ... the Envelope is
        # malformed."
        if pos + length > len(rest):
            raise Reject(400, "item length %d exceeds the %d bytes left"
                         % (length, len(rest) - pos))
        payload = rest[pos:pos + length]
        pos += length
        # [env] "Length-prefixed payloads must terminate with \\n or EOF
        # ... Any other character, including whitespace, means the
        # Envelope is malformed."
        if pos < len(rest):
            if rest[pos:pos + 1] != b"\n":
                raise Reject(400, "item length %d does not match its payload"
                             % length)
            pos += 1
        items.append((ih, payload))
    # [env] "After the final newline, no whitespace is allowed" - implied
    # by the loop above, where anything left must be an item header.
    return header, items


def check_event(ev, header_event_id):
    # [payload] Required Attributes.
    if not isinstance(ev, dict):
        raise Reject(400, "event payload is not a JSON object")
    eid = ev.get("event_id")
    # [payload] event_id: "exactly 32 characters. Dashes are not allowed.
    # Has to be lowercase."
    if not isinstance(eid, str) or not HEX32_RE.match(eid):
        raise Reject(400, "event_id must be 32 lowercase hex characters")
    # [items] Event: "event_id" in the envelope header is required; the
    # two must agree (strict: Sentry would use the header's).
    if eid != header_event_id.replace("-", "").lower():
        raise Reject(400, "event_id differs from the envelope header's")
    # [payload] timestamp: RFC 3339 string or numeric Unix seconds.
    ts = ev.get("timestamp")
    if isinstance(ts, bool) or not (
            isinstance(ts, (int, float)) or
            (isinstance(ts, str) and RFC3339_RE.match(ts))):
        raise Reject(400, "timestamp must be RFC 3339 or Unix seconds")
    # [payload] platform; [relay] VALID_PLATFORMS.
    if ev.get("platform") not in VALID_PLATFORMS:
        raise Reject(400, "platform missing or not one of Sentry's")
    # [payload] level: "needs to be one on the supported level string
    # values".
    if "level" in ev and ev["level"] not in VALID_LEVELS:
        raise Reject(400, "level is not fatal/error/warning/info/debug")
    for k in ("logger", "server_name", "release", "environment", "dist",
              "transaction"):
        if k in ev and not isinstance(ev[k], str):
            raise Reject(400, "%s must be a string" % k)
    # [message] formatted is required in the Message interface, at most
    # 8192 characters.
    if "logentry" in ev:
        le = ev["logentry"]
        if not isinstance(le, dict) or not isinstance(le.get("formatted"),
                                                      str):
            raise Reject(400, "logentry.formatted must be a string")
        if len(le["formatted"]) > MAX_MESSAGE:
            raise Reject(400, "logentry.formatted longer than 8192")
    if "message" in ev and not isinstance(ev["message"], (str, dict)):
        raise Reject(400, "message must be a string or an object")
    # [tags] keys: at most 32 characters of [a-zA-Z0-9_.:-]; values at
    # most 200 characters, no newline; [payload] "Tags must have string
    # values".
    if "tags" in ev:
        tags = ev["tags"]
        if isinstance(tags, list):
            try:
                tags = dict(tags)
            except (TypeError, ValueError):
                raise Reject(400, "tags list must hold [key, value] pairs")
        if not isinstance(tags, dict):
            raise Reject(400, "tags must be an object")
        for k, v in tags.items():
            if not TAG_KEY_RE.match(k):
                raise Reject(400, "tag key %r is not [a-zA-Z0-9_.:-]{1,32}"
                             % k)
            if not isinstance(v, str) or len(v) > TAG_VALUE_MAX or "\n" in v:
                raise Reject(400, "tag %r: value not a string of <= 200 "
                             "characters without newline" % k)
    # [payload] fingerprint: "A list of strings".
    if "fingerprint" in ev:
        fp = ev["fingerprint"]
        if not isinstance(fp, list) or not all(isinstance(x, str)
                                               for x in fp):
            raise Reject(400, "fingerprint must be a list of strings")
    # [contexts] contexts map an alias to an object.
    if "contexts" in ev:
        if not isinstance(ev["contexts"], dict):
            raise Reject(400, "contexts must be an object")
        for k, v in ev["contexts"].items():
            if not isinstance(v, dict):
                raise Reject(400, "context %r is not an object" % k)
            if compact_size(v) > MAX_CONTEXT:
                raise Reject(400, "context %r larger than 8 kB" % k)
    # [payload] extra: "An arbitrary mapping"; [limits] 16 kB per value,
    # 256 kB overall.
    if "extra" in ev:
        if not isinstance(ev["extra"], dict):
            raise Reject(400, "extra must be an object")
        for k, v in ev["extra"].items():
            if compact_size(v) > MAX_EXTRA_ITEM:
                raise Reject(400, "extra %r larger than 16 kB" % k)
        if compact_size(ev["extra"]) > MAX_EXTRA:
            raise Reject(400, "extra larger than 256 kB")
    # [exc] exception: {"values": [...]}, each with type or value; a
    # mechanism needs its type.
    if "exception" in ev:
        exc = ev["exception"]
        values = exc.get("values") if isinstance(exc, dict) else exc
        if not isinstance(values, list) or not values:
            raise Reject(400, "exception.values must be a non-empty list")
        for v in values:
            if not isinstance(v, dict) or not (
                    isinstance(v.get("type"), str) or
                    isinstance(v.get("value"), str)):
                raise Reject(400, "exception value needs type or value")
            mech = v.get("mechanism")
            if mech is not None and (not isinstance(mech, dict) or
                                     not isinstance(mech.get("type"), str)):
                raise Reject(400, "exception mechanism needs a type")


def check_envelope(cfg, body):
    header, items = split_envelope(body)
    # [env] Envelope Headers: event_id is a UUID ([env] Prerequisites: 32
    # hex or 36 with dashes).
    eid = header.get("event_id")
    if "event_id" in header and (not isinstance(eid, str) or
                                 not UUID_RE.match(eid)):
        raise Reject(400, "envelope header event_id is not a UUID")
    if "dsn" in header:
        check_dsn_header(cfg, header["dsn"])
    # [env] sent_at: "String ... RFC 3339 ... The time zone must be UTC."
    # Required here: our client always sends it, as [env] recommends.
    sent_at = header.get("sent_at")
    if not isinstance(sent_at, str) or not RFC3339_UTC_RE.match(sent_at):
        raise Reject(400, "envelope header sent_at missing or not RFC 3339 "
                     "UTC")
    if not items:
        # [env] "Without Items, an Envelope is considered empty"; our
        # client never sends one.
        raise Reject(400, "envelope has no items")
    events = []
    for ih, payload in items:
        t = ih["type"]
        # [items] reserved types "must not be written".
        if t in RESERVED_ITEM_TYPES:
            raise Reject(400, "item type %s is reserved" % t)
        if t == "event":
            # [env] Size Limits: 1MB for event items.
            if len(payload) > MAX_EVENT:
                raise Reject(413, "event item larger than 1 MiB")
            events.append(payload)
        elif t == "transaction":
            # [items] event and transaction are mutually exclusive.
            raise Reject(400, "transaction item: not sent by our client")
    # [items] Event: "an Envelope may contain at most one event item".
    if len(events) != 1:
        raise Reject(400, "envelope must hold exactly one event item, "
                     "not %d" % len(events))
    # [items] Event: the envelope header's event_id is required.
    if not isinstance(eid, str):
        raise Reject(400, "envelope with an event has no event_id header")
    ev = parse_json(events[0], "event payload")
    check_event(ev, eid)
    return ev


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sentry-standin/1"
    cfg = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj, extra_headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def journal(self, status, event_id=None, reason=None):
        rec = {"t": time.time(), "status": status, "path": self.path}
        if event_id:
            rec["event_id"] = event_id
        if reason:
            rec["reason"] = reason
        with self.cfg.lock:
            if self.cfg.journal:
                with open(self.cfg.journal, "a") as f:
                    f.write(json.dumps(rec) + "\n")

    def read_body(self):
        n = self.headers.get("Content-Length")
        if n is None:
            return None
        try:
            n = int(n)
        except ValueError:
            raise Reject(400, "bad Content-Length")
        if n < 0 or n > MAX_BODY:
            # Drain nothing: close the connection after answering.
            self.close_connection = True
            raise Reject(413, "request body larger than 20 MB")
        return self.rfile.read(n)

    def do_GET(self):
        if self.path == "/_control/stats":
            with self.cfg.lock:
                self.reply(200, dict(self.cfg.stats))
            return
        self.reply(404, {"detail": "not found"})

    def control(self, body):
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            self.reply(400, {"detail": "bad control JSON"})
            return
        with self.cfg.lock:
            if self.path == "/_control/reset":
                self.cfg.script = None
            elif self.path == "/_control/ratelimit":
                script = {
                    "status": int(req.get("status", 429)),
                    "retry_after": req.get("retry_after"),
                    "rate_limits": req.get("rate_limits"),
                    "count": req.get("count"),
                    "until": (time.time() + float(req["seconds"])
                              if "seconds" in req else None),
                }
                self.cfg.script = script
            else:
                self.reply(404, {"detail": "unknown control"})
                return
        self.reply(200, {"ok": True})

    def scripted(self):
        """Returns (status, headers) when the rate-limit script applies to
        this request, else None."""
        with self.cfg.lock:
            s = self.cfg.script
            if s is None:
                return None
            if s["until"] is not None and time.time() >= s["until"]:
                self.cfg.script = None
                return None
            if s["count"] is not None:
                if s["count"] <= 0:
                    self.cfg.script = None
                    return None
                s["count"] -= 1
            headers = []
            if s["retry_after"] is not None:
                headers.append(("Retry-After", str(s["retry_after"])))
            if s["rate_limits"] is not None:
                headers.append(("X-Sentry-Rate-Limits", s["rate_limits"]))
            return s["status"], headers

    def do_POST(self):
        event_id = None
        try:
            body = self.read_body()
            if self.path.startswith("/_control/"):
                self.control(body)
                return
            path, _, query = self.path.partition("?")
            # [auth] "{BASE_URI}/api/{PROJECT_ID}/{ENDPOINT}/"; [env]
            # "POST /api/<project_id>/envelope/".
            want = "%s/api/%s/envelope/" % (self.cfg.prefix, self.cfg.project)
            if path != want:
                raise Reject(404, "wrong path %s (want %s)" % (path, want))
            check_auth(self.cfg, self.headers, query)
            check_http_headers(self.headers)
            enc = (self.headers.get("Content-Encoding") or "").lower()
            # sdk/foundations/transport/compression.mdx: gzip, deflate
            # (and br, zstd, which Python's stdlib cannot read).
            if enc in ("gzip", "deflate"):
                try:
                    d = zlib.decompressobj(wbits=31 if enc == "gzip" else 15)
                    body = d.decompress(body, MAX_DECOMPRESSED)
                except zlib.error as e:
                    raise Reject(400, "bad %s body: %s" % (enc, e))
            elif enc not in ("", "identity"):
                raise Reject(415, "unsupported Content-Encoding %s" % enc)
            ev = check_envelope(self.cfg, body)
            event_id = ev["event_id"]
            script = self.scripted()
            headers = []
            if script is not None:
                status, headers = script
                if status != 200:
                    with self.cfg.lock:
                        self.cfg.stats["limited"] += 1
                    self.journal(status, event_id, "scripted rate limit")
                    self.reply(status, {"detail": "rate limited"}, headers)
                    return
            path = os.path.join(self.cfg.store, event_id + ".json")
            duplicate = os.path.exists(path)
            if not duplicate:
                tmp = path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(ev, f, indent=1, ensure_ascii=False)
                os.rename(tmp, path)
            with self.cfg.lock:
                self.cfg.stats["accepted"] += 1
            self.journal(200, event_id, "duplicate" if duplicate else None)
            self.reply(200, {"id": event_id}, headers)
        except Reject as r:
            # The body may be unread: do not reuse this connection.
            self.close_connection = True
            with self.cfg.lock:
                self.cfg.stats["rejected"] += 1
            sys.stderr.write("standin: REJECT %d %s: %s\n"
                             % (r.status, self.path, r.reason))
            sys.stderr.flush()
            self.journal(r.status, event_id, r.reason)
            # transport/index.mdx: errors carry X-Sentry-Error and a JSON
            # "detail".
            self.reply(r.status, {"detail": r.reason},
                       [("X-Sentry-Error", r.reason.encode(
                           "ascii", "backslashreplace").decode())])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--key", required=True, help="the DSN public key")
    ap.add_argument("--project", required=True, help="project id")
    ap.add_argument("--prefix", default="", help="DSN path prefix")
    ap.add_argument("--store", required=True, help="directory for events")
    ap.add_argument("--port-file", required=True,
                    help="written with the port once listening")
    ap.add_argument("--journal", help="JSON-lines log of every request")
    args = ap.parse_args()
    os.makedirs(args.store, exist_ok=True)
    cfg = Config(args)
    Handler.cfg = cfg
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    cfg.dsn_host = "127.0.0.1:%d" % port
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
