#!/bin/sh
# Builds the app into OUT. The build names no domain: Caddy serves it with a
# config.json listing the deployment's relays (deploy/Caddyfile), so one build
# serves any domain. Run from the workspace root with its dependencies installed
# and @peerlink/core built. web.Dockerfile runs this; so does e2e/tests/deploy.spec.ts.
#   usage: deploy/build-web.sh OUT
set -eu
out=${1:?usage: deploy/build-web.sh OUT}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
cd apps/web
exec pnpm exec vite build --outDir "$out" --emptyOutDir
