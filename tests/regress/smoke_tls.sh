#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# smoke_tls: lib/http.c's TLS options (struct http_tls) against a real TLS
# server (python3's ssl module, OpenSSL underneath) with certificates made
# here by openssl: a server signed by our own CA is refused against the
# system store, accepted with --cacert, and accepted without verification
# with -k; a server that requires a client certificate refuses us without
# --cert/--key and accepts us with them.  Consul agents with TLS and
# verify_incoming are configured exactly this way.
set -euo pipefail
. "${SOURCE_DIR:-$(dirname "$0")/../..}/tests/bed/bed.sh"

HTTPC=$BED_BUILD_DIR/tests/httpc
[[ -x $HTTPC ]] || bed_fail "$HTTPC is not built"
command -v openssl >/dev/null || bed_skip "openssl is not installed"
d=$BED_TMP/pki
mkdir -p "$d"

ossl()
{
	openssl "$@" 2>>"$BED_TMP/openssl.log" ||
	    bed_fail "openssl $1 failed (see openssl.log)"
}
bed_add_log "$BED_TMP/openssl.log"

# A CA, a server certificate for 127.0.0.1, a client certificate.
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bed-ca \
    -keyout "$d/ca.key" -out "$d/ca.pem"
for who in server client; do
	ossl req -newkey rsa:2048 -nodes -subj "/CN=bed-$who" \
	    -keyout "$d/$who.key" -out "$d/$who.csr"
done
printf 'subjectAltName=IP:127.0.0.1\n' >"$d/server.ext"
printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
for who in server client; do
	ossl x509 -req -in "$d/$who.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	    -CAcreateserial -days 2 -extfile "$d/$who.ext" -out "$d/$who.pem"
done

# Two HTTPS servers: one plain, one that requires a client certificate.
cat >"$BED_TMP/tls_server.py" <<'PY'
import http.server, ssl, sys

port, pki, need_client = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"

class H(http.server.BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	def do_GET(self):
		# The templater's services query gets a catalog answer.
		if self.path.startswith("/v1/catalog/services"):
			body = b'{"tls-web": []}'
		else:
			body = b"tls-ok\n"
		self.send_response(200)
		self.send_header("Content-Length", str(len(body)))
		self.send_header("X-Consul-Index", "7")
		self.end_headers()
		self.wfile.write(body)
	def log_message(self, *a):
		pass

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(pki + "/server.pem", pki + "/server.key")
if need_client:
	ctx.verify_mode = ssl.CERT_REQUIRED
	ctx.load_verify_locations(pki + "/ca.pem")
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY
read -r p1 p2 <<<"$(bed_free_ports 2)"
bed_spawn tls1 python3 "$BED_TMP/tls_server.py" "$p1" "$d" 0
bed_spawn tls2 python3 "$BED_TMP/tls_server.py" "$p2" "$d" 1
bed_wait_until 20 "$HTTPC" -f --cacert "$d/ca.pem" "https://127.0.0.1:$p1/"
bed_wait_until 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p2"

# Our CA is not in the system store: refused, with curl's reason.
rc=0
err=$("$HTTPC" "https://127.0.0.1:$p1/" 2>&1) || rc=$?
bed_assert_eq 1 "$rc" "exit status without --cacert"
bed_assert_contains "$err" "certificate"
bed_assert_eq tls-ok "$("$HTTPC" -f --cacert "$d/ca.pem" "https://127.0.0.1:$p1/")" \
    "with --cacert"
bed_assert_eq tls-ok "$("$HTTPC" -f -k "https://127.0.0.1:$p1/")" "with -k"

# Mutual TLS: no client certificate, no answer; with it, an answer.
rc=0
"$HTTPC" --cacert "$d/ca.pem" "https://127.0.0.1:$p2/" >/dev/null 2>&1 || rc=$?
bed_assert_eq 1 "$rc" "exit status without a client certificate"
bed_assert_eq tls-ok "$("$HTTPC" -f --cacert "$d/ca.pem" --cert "$d/client.pem" \
    --key "$d/client.key" "https://127.0.0.1:$p2/")" "with a client certificate"

# The templater: -once renders the catalog's services or fails within
# -once-timeout when the TLS handshake cannot succeed.
TPL=$BED_BUILD_DIR/templater/templater
printf '{{ range services }}{{ .Name }}\n{{ end }}' >"$BED_TMP/svc.tpl"
tpl_once()
{
	local out=$1
	shift
	rm -f "$out"
	"$TPL" -once -once-timeout 3s -max-stale 0 -log-level warn \
	    -template "$BED_TMP/svc.tpl:$out" "$@" >>"$BED_TMP/tpl.log" 2>&1
}
bed_add_log "$BED_TMP/tpl.log"
rc=0
tpl_once "$BED_TMP/none.out" -consul-addr "https://127.0.0.1:$p1" || rc=$?
bed_assert_eq 1 "$rc" "templater without -consul-ca"
[[ ! -e $BED_TMP/none.out ]] || bed_fail "rendered without the CA"
tpl_once "$BED_TMP/ca.out" -consul-addr "https://127.0.0.1:$p1" \
    -consul-ca "$d/ca.pem" || bed_fail "templater -consul-ca failed"
bed_assert_eq tls-web "$(cat "$BED_TMP/ca.out")" "rendered with -consul-ca"
rc=0
tpl_once "$BED_TMP/nocert.out" -consul-addr "https://127.0.0.1:$p2" \
    -consul-ca "$d/ca.pem" || rc=$?
bed_assert_eq 1 "$rc" "templater without a client certificate"
CONSUL_CACERT=$d/ca.pem CONSUL_CLIENT_CERT=$d/client.pem \
    CONSUL_CLIENT_KEY=$d/client.key tpl_once "$BED_TMP/mtls.out" \
    -consul-addr "https://127.0.0.1:$p2" ||
    bed_fail "templater with CONSUL_CLIENT_CERT/KEY failed"
bed_assert_eq tls-web "$(cat "$BED_TMP/mtls.out")" "rendered with mutual TLS"

# A missing file or a certificate without its key is refused at load,
# naming what is wrong.
rc=0
err=$("$TPL" -once -template "$BED_TMP/svc.tpl:$BED_TMP/x.out" \
    -consul-ca "$d/missing.pem" 2>&1) || rc=$?
bed_assert_eq 1 "$rc" "exit status with a missing CA file"
bed_assert_contains "$err" "missing.pem"
err=$("$TPL" -once -template "$BED_TMP/svc.tpl:$BED_TMP/x.out" \
    -consul-cert "$d/client.pem" 2>&1) || true
bed_assert_contains "$err" "consul_key"

bed_pass
