# syntax=docker/dockerfile:1
# cavra-scan container image: build with the full toolchain, run on a slim Node LTS as a numeric non-root user.
#
# Pinning: the tag below is an exact Node release. For reproducible, tamper-evident builds also pin the digest:
#   docker buildx imagetools inspect node:22.21.1-bookworm-slim   # -> sha256:...
#   docker build --build-arg NODE_IMAGE=node:22.21.1-bookworm-slim@sha256:<digest> .
# Build and runtime must use the same base: better-sqlite3 is a native addon compiled for that glibc and Node ABI.
ARG NODE_IMAGE=node:22.21.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Toolchain for node-gyp (better-sqlite3 is compiled from source against the image's own Node headers, so the
# build never downloads a prebuilt binary or headers).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build \
 && npm prune --omit=dev \
 && chmod 0755 dist/cli/bin.js \
 && node dist/cli/bin.js --version \
 && mkdir /out \
 && cp -r package.json node_modules /out/ \
 && node -e "const fs=require('fs');for(const f of require('./package.json').files)fs.cpSync(f,'/out/'+f,{recursive:true})"

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="cavra-scan" \
      org.opencontainers.image.description="Zero-trust scanner for ML models: streams every artifact once to hash and check it; only signed evidence leaves." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/cavra/cavra-scan" \
      org.opencontainers.image.documentation="https://github.com/cavra/cavra-scan/blob/main/docs/deploy.md" \
      org.opencontainers.image.vendor="CAVRA" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# No package managers at run time (npm, npx, corepack, yarn), and a numeric user with no login shell.
# All writable state lives under /var/lib/cavra-scan (HOME and XDG dirs), so the root filesystem can be read-only.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && groupadd --gid 10001 cavra \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/cavra-scan --shell /usr/sbin/nologin cavra \
 && mkdir -p /var/lib/cavra-scan \
 && chown 10001:10001 /var/lib/cavra-scan \
 && chmod 0750 /var/lib/cavra-scan
ENV NODE_ENV=production \
    HOME=/var/lib/cavra-scan \
    XDG_STATE_HOME=/var/lib/cavra-scan/state \
    XDG_CONFIG_HOME=/var/lib/cavra-scan/config \
    XDG_CACHE_HOME=/var/lib/cavra-scan/cache \
    CAVRA_SERVE_PORT=8080
WORKDIR /app
# Application files are owned by root and read-only for the runtime user.
# Exactly what the npm package ships (package.json "files": dist, rules, policies, ...) plus production node_modules.
COPY --from=build --chown=0:0 /out /app
COPY --from=build --chown=0:0 /src/deploy/docker/healthcheck.mjs /app/healthcheck.mjs
RUN ln -s /app/dist/cli/bin.js /usr/local/bin/cavra-scan
VOLUME ["/var/lib/cavra-scan"]
USER 10001:10001
EXPOSE 8080
# For `cavra-scan serve` (GET /healthz). One-shot commands (scan, registry) finish before it matters; run them
# with --no-healthcheck if your engine reports them as unhealthy. Kubernetes ignores it (probes are in the manifests).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["cavra-scan"]
CMD ["--help"]
