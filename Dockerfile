# syntax=docker/dockerfile:1.7
# Gridlink: multi-stage build; the runtime image has production dependencies only and
# runs as a non-root user. Migrations are applied at start (src/platform.ts). Give it a
# DATABASE_URL in production; without one it starts the embedded PostgreSQL in
# GRIDLINK_DATA_DIR (mount a volume there).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY openapi ./openapi
# The operator console (issue 13), built by `npm run build` with the shared SDK's client.
COPY sdk ./sdk
COPY console ./console
COPY xsd ./xsd
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    GRIDLINK_DATA_DIR=/var/lib/gridlink
RUN groupadd --system gridlink && useradd --system --gid gridlink --home-dir /app gridlink \
    && mkdir -p /var/lib/gridlink && chown gridlink:gridlink /var/lib/gridlink
WORKDIR /app
COPY --from=build --chown=gridlink:gridlink /app/package.json ./
COPY --from=build --chown=gridlink:gridlink /app/node_modules ./node_modules
COPY --from=build --chown=gridlink:gridlink /app/dist ./dist
COPY --from=build --chown=gridlink:gridlink /app/openapi ./openapi
COPY --from=build --chown=gridlink:gridlink /app/xsd ./xsd
COPY --from=build --chown=gridlink:gridlink /app/prisma ./prisma
USER gridlink
VOLUME ["/var/lib/gridlink"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
