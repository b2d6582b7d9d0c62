# The demo app as a container image, for the demo's `virtualization: container` instances in the compose
# workers: the self-contained app (docker/apps/demo) and the shared libraries it loads (found with ldd in the
# base), nothing else. .ci/compose-e2e saves it to docker/images/oak-demo.tar, which each worker imports into its
# containerd at start (docker/worker-entrypoint); containerd names it docker.io/library/oak-demo:compose.
ARG BASE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${BASE} AS libs
COPY docker/apps/demo /app
RUN mkdir -p /out/tmp /out/etc \
 && { ldd /app/Oakestra.Actors.DemoApp /app/*.so 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}'; \
      ls /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3; } \
    | sort -u | xargs -I{} cp -L --parents {} /out/ \
 && chmod 1777 /out/tmp \
 && echo 'root:x:0:0:root:/:/sbin/nologin' >/out/etc/passwd
FROM scratch
COPY --from=libs /out/ /
COPY docker/apps/demo /app
ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
WORKDIR /app
ENTRYPOINT ["/app/Oakestra.Actors.DemoApp"]
CMD ["serve", "--port", "8080"]
