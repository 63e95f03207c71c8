# Container image of the API for ECS Fargate (or any container host). Untested here: Docker does not run on the dev machines.
# Build: docker build -t saas-app-api .   Run: docker run -p 3000:3000 --env-file .env saas-app-api

# --- builder: full install (TypeScript and friends), compile to dist/ ---
FROM node:22-slim AS builder
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the dev-only local emulators (DynamoDB Local, cognito-local) need nothing downloaded to compile.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

# --- runtime: production dependencies and the compiled output only ---
FROM node:22-slim AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=builder /app/dist ./dist
# Listen on every interface: inside a container, localhost is unreachable from the load balancer.
ENV HOST=0.0.0.0
USER node
EXPOSE 3000
# The preload sizes the libuv threadpool (RSA checks of uncached tokens) to the CPUs before anything starts it.
CMD ["node", "--require", "./dist/src/threadpool.cjs", "dist/src/server.js"]
