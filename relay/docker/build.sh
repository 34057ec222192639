#!/bin/sh
# Builds the relay and writes a self-contained production copy (code plus
# production node_modules) to OUT. The Dockerfile's build stage runs exactly
# this; relay/test/docker-steps.test.ts runs it too, since no Docker engine runs
# in CI. Run from the workspace root. PNPM_OFFLINE=1 installs from the local
# pnpm store only (tests run without network).
# The deploy reads versions from the workspace lockfile (pnpm's shared-lockfile
# deploy, which needs inject-workspace-packages; set here for the deploy only),
# so it needs no registry metadata: a `pnpm install` of the workspace leaves
# all it needs in the store. (`deploy --legacy` resolved every version again.)
#   usage: relay/docker/build.sh OUT
set -eu
out=${1:?usage: relay/docker/build.sh OUT}
offline=${PNPM_OFFLINE:+--offline}
pnpm install --frozen-lockfile $offline --filter @peerlink/relay...
pnpm --filter @peerlink/relay... run build
pnpm --filter @peerlink/relay deploy --prod $offline --config.inject-workspace-packages=true "$out"
