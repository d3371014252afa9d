# Keyway from source: build, then run the compiled server as `npm start` does.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
COPY scripts ./scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm ci applies patches/ (postinstall) and builds dist/ (prepare)
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY drizzle ./drizzle
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 KEYWAY_DATA_DIR=/data
VOLUME /data
EXPOSE 4000
USER node
CMD ["node", "dist/main.js"]
