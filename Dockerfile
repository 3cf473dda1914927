# syntax=docker/dockerfile:1
# krest: a static binary on a distroless base, running as non-root.
#   docker build -t krest .
#   docker run -p 8082:8082 -v krest-data:/data krest
# In the container krest listens on 0.0.0.0 and keeps the embedded broker's
# data in the /data volume; set KREST_BOOTSTRAP_URI to use a real cluster.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/krest-dev/krest/internal/version.Version=${VERSION}" \
    -o /out/krest ./cmd/krest && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/krest /usr/local/bin/krest
# The volume's mount point must belong to the nonroot user (uid 65532).
COPY --from=build --chown=65532:65532 /out/data /data
ENV KREST_HOST=0.0.0.0 \
    KREST_DATA_DIR=/data
VOLUME /data
# The embedded broker listens on the container's loopback only: it is for
# trying krest out, not for clients outside the container.
EXPOSE 8082
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/krest"]
