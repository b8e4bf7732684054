# SPDX-License-Identifier: MIT
#
# sentry_standin: proves the Sentry stand-in strict before other tests
# trust it.  Crafted envelopes (tests/sentry/craft.py), each breaking one
# documented rule, and crafted HTTP requests (auth, path, content type) are
# posted with curl: every one must get its expected status and leave no
# stored event; the one good envelope must be stored as sent.  Then the
# 429 / Retry-After / X-Sentry-Rate-Limits scripting is checked.

. "$SOURCE_DIR/tests/bed/bed.sh"
. "$SOURCE_DIR/tests/sentry/standin.sh"

sentry_standin_start
url=http://127.0.0.1:$SENTRY_PORT/api/42/envelope/
auth="Sentry sentry_version=7, sentry_client=selftest/1.0, sentry_key=$SENTRY_KEY"
cases=$BED_TMP/cases
python3 "$SOURCE_DIR/tests/sentry/craft.py" "$cases" "$SENTRY_KEY" \
    "$SENTRY_PORT" || bed_fail "craft.py failed"

# post <body file> [curl args...]: print the HTTP status.
post()
{
	local body=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --data-binary "@$body" \
	    -H "Content-Type: ${CT-application/x-sentry-envelope}" "$@"
}

# Bodies: every case must get the status in its name.
n=0
for f in "$cases"/*.env; do
	name=$(basename "$f" .env)
	want=${name%%-*}
	got=$(post "$f" -H "X-Sentry-Auth: $auth" -D "$cases/$name.hdr" "$url")
	bed_assert_eq "$want" "$got" "status for $name"
	# The reason given must be the rule the case breaks.
	why=$(<"$cases/$name.why")
	[[ -z $why ]] || bed_assert_file_contains "$cases/$name.hdr" \
	    "^X-Sentry-Error: .*$why" "reason for $name"
	n=$((n + 1))
done
((n >= 40)) || bed_fail "only $n crafted cases"
bed_assert_eq 1 "$(sentry_events)" "events stored after the crafted bodies"

# The good event is stored as sent.
good_id=$(head -n1 "$cases/200-good.env" | jq -r .event_id)
stored=$SENTRY_STORE/$good_id.json
[[ -f $stored ]] || bed_fail "good event $good_id not stored"
sent=$(sed -n 3p "$cases/200-good.env")
bed_assert_eq "$(jq -S . <<<"$sent")" "$(jq -S . "$stored")" "stored event"

# HTTP level: auth header, key, path, content type.
good=$cases/200-good.env
check()
{
	local want=$1 what=$2 got
	shift 2
	got=$(post "$good" "$@")
	bed_assert_eq "$want" "$got" "status for $what"
}
check 401 "no X-Sentry-Auth" "$url"
check 401 "sentry_version=6" -H "X-Sentry-Auth: Sentry sentry_version=6, sentry_client=selftest/1.0, sentry_key=$SENTRY_KEY" "$url"
check 401 "no sentry_version" -H "X-Sentry-Auth: Sentry sentry_client=selftest/1.0, sentry_key=$SENTRY_KEY" "$url"
check 403 "wrong key" -H "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=selftest/1.0, sentry_key=0123456789abcdef" "$url"
check 401 "no sentry_key" -H "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=selftest/1.0" "$url"
check 401 "no sentry_client" -H "X-Sentry-Auth: Sentry sentry_version=7, sentry_key=$SENTRY_KEY" "$url"
check 401 "sentry_client without version" -H "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=selftest, sentry_key=$SENTRY_KEY" "$url"
check 401 "not 'Sentry '" -H "X-Sentry-Auth: sentry_version=7, sentry_client=selftest/1.0, sentry_key=$SENTRY_KEY" "$url"
check 401 "query-string auth" "$url?sentry_version=7&sentry_key=$SENTRY_KEY&sentry_client=x/1"
check 404 "wrong project" -H "X-Sentry-Auth: $auth" "http://127.0.0.1:$SENTRY_PORT/api/43/envelope/"
check 404 "store endpoint" -H "X-Sentry-Auth: $auth" "http://127.0.0.1:$SENTRY_PORT/api/42/store/"
check 404 "no trailing slash" -H "X-Sentry-Auth: $auth" "http://127.0.0.1:$SENTRY_PORT/api/42/envelope"
CT=application/json check 415 "application/json" -H "X-Sentry-Auth: $auth" "$url"
CT= check 415 "no Content-Type" -H "X-Sentry-Auth: $auth" "$url"
check 400 "two Content-Types" -H "X-Sentry-Auth: $auth" -H "Content-Type: text/plain" "$url"
check 401 "two X-Sentry-Auth" -H "X-Sentry-Auth: $auth" -H "X-Sentry-Auth: $auth" "$url"
check 400 "no User-Agent" -H "X-Sentry-Auth: $auth" -A "" "$url"
check 400 "User-Agent without version" -H "X-Sentry-Auth: $auth" -A "selftest" "$url"
check 411 "chunked, no Content-Length" -H "X-Sentry-Auth: $auth" -H "Transfer-Encoding: chunked" "$url"
bed_assert_eq 1 "$(sentry_events)" "events stored after the bad requests"

# Rejections are logged with their reason.
bed_assert_file_contains "$BED_TMP/sentry-standin.log" \
    'REJECT 400 .*item length .* does not match its payload'
bed_assert_file_contains "$BED_TMP/sentry-standin.log" \
    'REJECT 403 .*unknown sentry_key'
bed_assert_file_contains "$SENTRY_JOURNAL" '"status": 400.*platform'

# A fresh good envelope for each request below (event ids differ).
for i in 1 2 3 4 5 6; do
	python3 "$SOURCE_DIR/tests/sentry/craft.py" "$BED_TMP/fresh$i" \
	    "$SENTRY_KEY" "$SENTRY_PORT" || bed_fail "craft.py failed"
done
n_fresh=0
fresh()
{
	n_fresh=$((n_fresh + 1))
	FRESH=$BED_TMP/fresh$n_fresh/200-good.env
}

# 429 with Retry-After for the next request only, then accepted again.
sentry_control ratelimit '{"count":1,"retry_after":2}'
hdrs=$BED_TMP/h429
fresh
got=$(curl -s -o /dev/null -D "$hdrs" -w '%{http_code}' --data-binary "@$FRESH" \
    -H "Content-Type: application/x-sentry-envelope" -H "X-Sentry-Auth: $auth" "$url")
bed_assert_eq 429 "$got" "scripted 429"
bed_assert_file_contains "$hdrs" '^Retry-After: 2'
fresh
bed_assert_eq 200 "$(post "$FRESH" -H "X-Sentry-Auth: $auth" "$url")" \
    "after the scripted 429"
bed_assert_eq 2 "$(sentry_events)" "events stored after the 429"

# A time window with X-Sentry-Rate-Limits, then accepted again (the window
# is 2 s; the deadline leaves a loaded machine room, and a window that never
# ends still fails it).
sentry_control ratelimit '{"seconds":2,"rate_limits":"2::organization"}'
fresh
got=$(curl -s -o /dev/null -D "$hdrs" -w '%{http_code}' --data-binary "@$FRESH" \
    -H "Content-Type: application/x-sentry-envelope" -H "X-Sentry-Auth: $auth" "$url")
bed_assert_eq 429 "$got" "429 in the window"
bed_assert_file_contains "$hdrs" '^X-Sentry-Rate-Limits: 2::organization'
fresh
accepted()
{
	[[ $(post "$FRESH" -H "X-Sentry-Auth: $auth" "$url") == 200 ]]
}
bed_wait_until 30 accepted

# 200 carrying a rate limit (rate-limiting.mdx: "even 200 responses").
sentry_control ratelimit '{"count":1,"status":200,"rate_limits":"60::organization"}'
fresh
got=$(curl -s -o /dev/null -D "$hdrs" -w '%{http_code}' --data-binary "@$FRESH" \
    -H "Content-Type: application/x-sentry-envelope" -H "X-Sentry-Auth: $auth" "$url")
bed_assert_eq 200 "$got" "200 with a rate limit"
bed_assert_file_contains "$hdrs" '^X-Sentry-Rate-Limits: 60::organization'
bed_assert_eq 4 "$(sentry_events)" "events stored at the end"

bed_pass "$n crafted envelopes and 19 crafted requests answered as documented"
