# syntax=docker/dockerfile:1
# krest: a static binary on a distroless base, running as non-root.
#   docker build --build-arg VERSION=v1.2.3 -t krest .
#   docker run -p 8082:8082 -p 8081:8081 -v krest-data:/data krest
# In the container krest listens on 0.0.0.0 and keeps the embedded broker's
# data in the /data volume; set KREST_BOOTSTRAP_URI to use a real cluster.
# docs/operations.md has more (probes, metrics, configuration).
#
# Reproducible builds: the same source, VERSION and base images give the
# same binary. The Go toolchain is the one go.mod names; -trimpath,
# -buildvcs=false and an empty build id keep paths, VCS state and the
# linker's random id out of the binary. For byte-identical images, pin the
# bases by digest (--build-arg GO_IMAGE=golang:1.26.8-bookworm@sha256:...,
# BASE_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:...) and
# build with SOURCE_DATE_EPOCH set, e.g.
#   docker buildx build --build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) \
#     --output type=image,name=krest,rewrite-timestamp=true .

ARG GO_IMAGE=golang:1.26.8-bookworm
ARG BASE_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS build
WORKDIR /src
# Modules are verified against go.sum and never fetched past it.
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN go build -trimpath -buildvcs=false \
    -ldflags "-s -w -buildid= -X github.com/krest-dev/krest/internal/version.Version=${VERSION}" \
    -o /out/krest ./cmd/krest && mkdir -p /out/data

FROM ${BASE_IMAGE}
COPY --from=build /out/krest /usr/local/bin/krest
# The volume's mount point must belong to the nonroot user (uid 65532).
COPY --from=build --chown=65532:65532 /out/data /data
ENV KREST_HOST=0.0.0.0 \
    KREST_DATA_DIR=/data
VOLUME /data
# 8082: the REST API (with /_health, /_ready and /metrics).
# 8081: the embedded schema registry, served when no external registry is
#       configured (registry_url, registry_host).
# The embedded broker listens on the container's loopback only: it is for
# trying krest out, not for clients outside the container. With
# KREST_METRICS_PORT set, publish that port too.
EXPOSE 8082 8081
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/krest"]
