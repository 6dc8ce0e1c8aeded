# syntax=docker/dockerfile:1

# The Go line that builds the image: the newest patch release of the oldest
# supported Go, the same line Heroku's buildpack picks from go.mod.
ARG GO_VERSION=1.26

# Build stage: one static binary. The deployment tests (docs/deploy) read the
# go build line below and build the same way, so keep it on a single RUN.
# nomsgpack leaves out Gin's MessagePack codec, which the server never uses:
# 6 MB of the binary. go.mod's "+heroku install" line gives Heroku the tag.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS
ARG TARGETARCH
# The release the server reports at /healthz and /, in its start-up log line
# and in its version command, such as
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) .
# .dockerignore keeps .git out of the build, so without it the server says
# "(devel)".
ARG VERSION=
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -tags nomsgpack -trimpath -ldflags="-s -w -X github.com/seed6ab08d10/agora-token-server/cli.Version=${VERSION}" -o /out/agora-token-server .

# Run stage: the binary and the CA bundle (for TLS to a managed Redis), and
# nothing else: no shell, no package manager, no user but an unprivileged one.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/agora-token-server /agora-token-server

# A numeric user, so that Kubernetes' runAsNonRoot can check it.
USER 65532:65532

# Platforms that assign a port (Heroku, Render) set PORT themselves.
ENV PORT=8080
EXPOSE 8080

# No HEALTHCHECK here: it would need a shell or an HTTP client inside the
# image. The platforms probe over HTTP themselves (Kubernetes' probes, Render's
# health check path, Heroku's router); GET /ping answers 200 once the server
# listens.
ENTRYPOINT ["/agora-token-server"]
