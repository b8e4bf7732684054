#!/bin/sh
# SPDX-License-Identifier: MIT
#
# nginx-check.sh CANDIDATE DESTINATION
#
# Validates nginx's whole configuration as it would be with CANDIDATE in
# place of DESTINATION, without touching the live files: the templater
# runs it before the swap, so a rejected candidate never goes live.
set -eu
cand=$1
dest=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a /etc/nginx/. "$tmp/"
cp "$cand" "$tmp/${dest#/etc/nginx/}"
# Point every include at the copy, and keep the check's pid file apart.
sed -i -e "s|/etc/nginx/|$tmp/|g" -e '/^[[:space:]]*pid[[:space:]]/d' \
    "$tmp/nginx.conf"
exec nginx -t -q -c "$tmp/nginx.conf" -g "pid $tmp/nginx.pid;"
