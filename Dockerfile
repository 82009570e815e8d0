# One image for all five apps; docker-compose.yml picks the app with `command`.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
RUN npm run build && npm run build:web

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist dist
# Migrations are read at start by the apps that own tables (api, projector).
COPY libs/timescale/migrations libs/timescale/migrations
USER node
CMD ["node", "dist/apps/api/src/main.js"]
