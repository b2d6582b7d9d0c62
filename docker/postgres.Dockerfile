# PostgreSQL for the compose lab's root, from the same base as the apps (Debian's postgresql package): no
# registry image. docker/base-image's base has it; another Debian/Ubuntu base gets it from apt.
ARG BASE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${BASE}
RUN if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then \
      apt-get update && apt-get install -y --no-install-recommends postgresql && rm -rf /var/lib/apt/lists/*; \
    fi \
 && ln -s "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)" /usr/lib/postgresql/bin \
 && mkdir -p /var/lib/postgresql/data /run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /run/postgresql
ENV PATH=/usr/lib/postgresql/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
COPY docker/postgres-entrypoint /usr/local/bin/postgres-entrypoint
VOLUME /var/lib/postgresql/data
EXPOSE 5432
# Fast shutdown (SIGTERM is "smart": it waits for the root to disconnect, and Docker kills it after 10 s).
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]
