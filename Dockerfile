# syntax=docker/dockerfile:1
# One image for both server processes and the fjord command:
#   docker run fjord coordinator/dist/main.js [flags]
#   docker run fjord broker/dist/main.js --broker-id 1 [flags]
#   docker run fjord cli/dist/main.js certs --dir /certs --nodes ...   (docker-compose.secure.yml)
# Settings come from flags, FJORD_* environment variables or a file (--config).

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
# The dependencies first, from the lockfile alone: this layer is reused until the lockfile
# changes, so a source change rebuilds without downloading anything.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
# What the two apps and the CLI are built from, and nothing else, so that a change to the docs, the
# integration tests or the benchmarks reuses the build layer below. The other workspace members
# contribute their manifests only, which the frozen lockfile needs to match.
COPY package.json turbo.json tsconfig.base.json ./
COPY scripts scripts
COPY proto proto
COPY packages packages
COPY apps apps
COPY tests/integration/package.json tests/integration/
COPY bench/package.json bench/
RUN pnpm install --frozen-lockfile --offline \
 && pnpm exec turbo run build --filter=@fjord/broker... --filter=@fjord/coordinator... --filter=@fjord/cli... --output-logs=errors-only \
 && pnpm --filter=@fjord/broker deploy --prod --legacy /out/broker \
 && pnpm --filter=@fjord/coordinator deploy --prod --legacy /out/coordinator \
 && pnpm --filter=@fjord/cli deploy --prod --legacy /out/cli

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Production dependencies only; classic-level's prebuilt linux binary comes inside its npm package.
COPY --from=build --chown=node:node /out/coordinator /app/coordinator
COPY --from=build --chown=node:node /out/broker /app/broker
COPY --from=build --chown=node:node /out/cli /app/cli
COPY --chown=node:node docker/healthcheck.mjs /app/healthcheck.mjs
# /certs belongs to node too, so that a new volume mounted there (docker-compose.secure.yml's)
# is writable by the certificate step, which runs as node like the servers.
RUN mkdir -p /data /certs && chown node:node /data /certs
USER node
VOLUME /data
ENV FJORD_DATA_DIR=/data
ENTRYPOINT ["node"]
CMD ["coordinator/dist/main.js"]
