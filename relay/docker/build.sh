#!/bin/sh
# Builds the relay and writes a self-contained production copy (code plus
# production node_modules) to OUT. The Dockerfile's build stage runs exactly
# this; relay/test/docker-steps.test.ts runs it too, since no Docker engine runs
# in CI. Run from the workspace root. PNPM_OFFLINE=1 installs from the local
# pnpm store only (tests run without network).
#   usage: relay/docker/build.sh OUT
set -eu
out=${1:?usage: relay/docker/build.sh OUT}
offline=${PNPM_OFFLINE:+--offline}
pnpm install --frozen-lockfile $offline --filter @peerlink/relay...
pnpm --filter @peerlink/relay... run build
pnpm --filter @peerlink/relay deploy --legacy --prod $offline "$out"
