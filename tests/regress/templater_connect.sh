#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 19: the Consul functions datacenters, caRoots, caLeaf and peerings
# watched against a real Consul agent, as a user renders them with
# templater -once: the datacenter list, the Connect CA's active root, the
# leaf certificate Consul itself serves for a service (byte for byte),
# and no peerings.  The leaf's private key reaches the file and never the
# log.  partitions (Consul Enterprise) fails naming the function and why.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
tpl_register web1 web 8080
T=$BED_TMP/connect.ctmpl
OUT=$BED_TMP/connect.conf
cat >"$T" <<'TPL'
dcs={{ datacenters | join "," }} {{ datacenters true | len }}
{{ range caRoots }}root={{ .Name }} active={{ .Active }} id={{ .ID }}
{{ end }}{{ with caLeaf "web" }}leaf={{ .Service }} {{ .ServiceURI }} {{ .ValidBefore.After .ValidAfter }}
{{ .CertPEM }}{{ .PrivateKeyPEM }}{{ end }}peerings={{ len peerings }}
TPL

"$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -once-timeout 60s \
    -log-level debug -template "$T:$OUT" >"$BED_TMP/once.log" 2>&1 ||
    bed_fail "-once exited $?: $(tail -n 20 "$BED_TMP/once.log")"

dcs=$(curl -sf "$BED_CONSUL_URL/v1/catalog/datacenters" | jq -r 'join(",")')
bed_assert_file_contains "$OUT" "^dcs=$dcs 1\$"
root=$(curl -sf "$BED_CONSUL_URL/v1/agent/connect/ca/roots" |
    jq -r '.Roots[] | select(.Active) | "root=\(.Name) active=true id=\(.ID)"')
[[ -n $root ]] || bed_fail "Consul has no active CA root"
bed_assert_file_contains "$OUT" "^$root\$"
bed_assert_file_contains "$OUT" '^leaf=web spiffe://[^ ]*/svc/web true$'
# The agent caches the leaf: the one it serves now is the one rendered.
leaf=$(curl -sf "$BED_CONSUL_URL/v1/agent/connect/ca/leaf/web")
jq -j '.CertPEM + .PrivateKeyPEM' <<<"$leaf" >"$BED_TMP/leaf.pem"
sed -n '/BEGIN CERTIFICATE/,$p' "$OUT" | sed '$d' >"$BED_TMP/got.pem"
bed_assert_ok cmp "$BED_TMP/leaf.pem" "$BED_TMP/got.pem"
bed_assert_file_contains "$OUT" '^peerings=0$'
bed_assert_file_contains "$BED_TMP/once.log" 'connect\.caleaf\(web\)'
if grep -q 'PRIVATE KEY' "$BED_TMP/once.log"; then
	bed_fail "the leaf's private key is in the log"
fi
bed_log "datacenters, caRoots, caLeaf, peerings rendered from Consul's answers"

# partitions: an error naming the function and Consul Enterprise.
printf '{{ partitions }}\n' >"$BED_TMP/part.ctmpl"
if "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -once-timeout 20s \
    -template "$BED_TMP/part.ctmpl:$BED_TMP/part.conf" \
    >"$BED_TMP/part.log" 2>&1; then
	bed_fail "partitions rendered on Consul CE"
fi
bed_assert_file_contains "$BED_TMP/part.log" \
    'partitions: admin partitions are a Consul Enterprise feature'
[[ ! -e $BED_TMP/part.conf ]] || bed_fail "a failed render wrote a file"
bed_pass "Consul Connect and catalog functions as consul-template renders them"
