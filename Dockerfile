# callpark: build the TypeScript once, ship only the compiled app and production dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY test/support ./test/support
RUN npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# gc() lets the embedded engine give a traffic burst's heap back once it has drained
# (src/engine/idle-heap-release.ts); without it V8 keeps it until its ~100 s watchdog.
ENV NODE_OPTIONS=--expose-gc
# Fewer glibc malloc arenas: after a heavy burst far less freed native memory stays resident
# (docs/benchmarks.md, Engine memory).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY sounds ./sounds
COPY examples ./examples
USER node
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["start"]
