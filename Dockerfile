# Keyway from source: the same `npm ci && npm start` as on a laptop.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci's postinstall applies these (patch-package); without them it installs unpatched, silently
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json drizzle.config.ts ./
COPY src ./src
COPY drizzle ./drizzle
ENV HOST=0.0.0.0 PORT=4000 KEYWAY_DATA_DIR=/data
VOLUME /data
EXPOSE 4000
USER node
CMD ["npm", "start"]
