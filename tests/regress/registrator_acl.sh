#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ACL token reaches the agent as X-Consul-Token and no log line: with
# ACLs enabled, a registrator holding the management token (from a file)
# registers; one holding an unknown token (from CONSUL_HTTP_TOKEN) is
# refused by Consul ("ACL not found") and says so without the token.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

good=root-$RANDOM-$RANDOM-token
bad=unknown-$RANDOM-$RANDOM-token
bed_consul_start -hcl "acl { enabled = true
default_policy = \"allow\"
tokens { initial_management = \"$good\" } }"

bed_run --name "$(reg_name acl)" -p 127.0.0.1::80 -e SERVICE_NAME=guarded \
    "$REG_IMAGE" bed-httpd >/dev/null

# An unknown token: every write is refused, and retried.
CONSUL_HTTP_TOKEN=$bad reg_start -retry-attempts 0
bed_wait_until 20 reg_log_has "HTTP 403: ACL not found"
bed_assert_eq 0 "$(reg_count guarded)" "registered with an unknown token"
bed_alive "$REG_PID" || bed_fail "registrator exited"
bed_stop "$REG_PID"
bed_assert_fails grep -qF "$bad" "$REG_LOG"

# The management token from a file: registered.
printf '%s\n' "$good" >"$BED_TMP/token"
reg_start -consul-token-file "$BED_TMP/token"
bed_wait_until 20 reg_has guarded 1
bed_assert_fails grep -qF "$good" "$REG_LOG"

bed_pass
