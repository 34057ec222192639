#!/bin/sh
# Builds the app for a deployment at DOMAIN into OUT: the app's default relays are
# the deployment's (VITE_PEERLINK_RELAYS: each relay's /relay.json behind Caddy),
# so a visitor needs no setting. Run from the workspace root with its dependencies
# installed and @peerlink/core built. web.Dockerfile runs this; so does
# e2e/tests/deploy.spec.ts.
#   usage: deploy/build-web.sh DOMAIN OUT
set -eu
domain=${1:?usage: deploy/build-web.sh DOMAIN OUT}
out=${2:?usage: deploy/build-web.sh DOMAIN OUT}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
# one line per relay of compose.yaml (relay1, relay2, …)
VITE_PEERLINK_RELAYS="https://relay1.$domain/relay.json https://relay2.$domain/relay.json"
export VITE_PEERLINK_RELAYS
cd apps/web
exec pnpm exec vite build --outDir "$out" --emptyOutDir
