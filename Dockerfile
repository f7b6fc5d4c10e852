# syntax=docker/dockerfile:1
# The truce server as a container image: built in one stage, run in another as a user
# without privileges, with the log in a volume. `scripts/container-smoke` builds it and
# checks that it serves.
#
#   docker build -t truce .
#   docker run -d -p 8080:8080 -v truce-data:/data -e TRUCE_ORIGIN=truce.example.org/aleppo truce
#
# On first start with an empty volume, the entry point runs `truce init` (origin from
# TRUCE_ORIGIN) and prints the operator's account and key paths; later starts only serve.

FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin truce

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin truce \
    && mkdir -p /data && chown truce:truce /data
COPY --from=build /src/target/release/truce /usr/local/bin/truce
COPY scripts/container-entrypoint /usr/local/bin/truce-entrypoint
USER truce
VOLUME ["/data"]
EXPOSE 8080
ENV TRUCE_DATA=/data TRUCE_LISTEN=0.0.0.0:8080 TRUCE_ORIGIN=truce.local/log
HEALTHCHECK --interval=30s --timeout=3s CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["tini", "--", "truce-entrypoint"]
