# syntax=docker/dockerfile:1
# The production image: the binary `make build` makes, on a distroless base (no
# shell, no package manager), run by an unprivileged user. Bake the version in with
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse --short=12 HEAD) -t finhealth .
# cmd/finhealth/deploy_test.go checks the points below; docs/operations.md explains them.

# Kept equal to go.mod's go directive (a test checks), so the image compiles with the
# toolchain the tests ran on.
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first: a change to the code alone then reuses this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The Makefile takes VERSION and COMMIT from the environment; .git is not in the
# build context, so without these it would say dev and unknown.
ARG VERSION=dev
ARG COMMIT=unknown
RUN make build
# The working directory of the final image, owned by its user, so that the default
# SQLite database (./data/finhealth.db) can be created when no DATABASE_URL is set.
RUN mkdir -p /out/app/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="finhealth" \
      org.opencontainers.image.description="Financial health for small businesses" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /src/bin/finhealth /usr/local/bin/finhealth
COPY --from=build --chown=65532:65532 /out/app /app
WORKDIR /app
# Production by default: the container refuses to start without real secrets rather
# than generating throwaway ones. PORT is the default; platforms like Railway set it.
ENV APP_ENV=production \
    PORT=5000
# 65532 is distroless's "nonroot" user, given by number so that runtimes can verify
# it is not root without reading /etc/passwd.
USER 65532:65532
EXPOSE 5000
# No shell or curl here: the binary probes itself (/healthz on $PORT, at BIND_ADDRESS when set, else 127.0.0.1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/finhealth", "healthcheck"]
# CMD rather than ENTRYPOINT, so that `docker run IMAGE finhealth migrate`, Compose's
# migrate service and Railway's pre-deploy command replace the whole command.
CMD ["/usr/local/bin/finhealth", "serve"]
