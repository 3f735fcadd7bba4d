# syntax=docker/dockerfile:1
# ztgate admission webhook. Build: docker build -t ztgate:0.1.0 .
# The runtime image holds only node, the compiled JavaScript, production dependencies, deploy/ and docs/.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
# Nothing may be written under / at run time (readOnlyRootFilesystem); /tmp is an emptyDir.
ENV NODE_ENV=production \
    HOME=/tmp \
    NPM_CONFIG_CACHE=/tmp/.npm \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=build --chown=0:0 /src/package.json ./
COPY --from=build --chown=0:0 /src/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/dist ./dist
# Read at run time from the package: deploy/crds by `ztgate manifests`, docs/ by `ztgate explain`.
COPY --chown=0:0 deploy ./deploy
COPY --chown=0:0 docs ./docs
# Files stay root-owned and read-only to the process; it runs as an unprivileged UID with no home.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
