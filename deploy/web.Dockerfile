# The app, served by Caddy (deploy/Caddyfile, mounted by compose.yaml), which also
# serves its config.json from PEERLINK_DOMAIN: one image serves any domain.
# Build from the workspace root: compose.yaml does.
FROM node:22-bookworm-slim AS build
RUN npm install -g pnpm@10
WORKDIR /src
COPY package.json pnpm-workspace.yaml pnpm-lock.yaml tsconfig.base.json ./
# libp2p carries a fix (see pnpm-workspace.yaml)
COPY patches/ patches/
COPY packages/core/package.json packages/core/tsconfig.json packages/core/tsconfig.build.json packages/core/
COPY packages/core/src packages/core/src
COPY apps/web/package.json apps/web/index.html apps/web/pwa-manifest.ts apps/web/svelte.config.js apps/web/vite.config.ts apps/web/tsconfig.json apps/web/tsconfig.sw.json apps/web/
COPY apps/web/public apps/web/public
COPY apps/web/src apps/web/src
COPY deploy/build-web.sh deploy/
RUN pnpm install --frozen-lockfile --filter @peerlink/web...
RUN pnpm --filter @peerlink/core run build
RUN sh deploy/build-web.sh /out

FROM caddy:2.8
COPY --from=build /out /srv/peerlink
COPY deploy/Caddyfile /etc/caddy/Caddyfile
