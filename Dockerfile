# One image for every Oakestra.Actors process (root, orchestrator, worker) plus the demo app and the CLI.
# Untested here (no container engine on the development machines); see docker-compose.yml.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from project files only, so a source change does not refetch packages.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Contracts/*.csproj src/Contracts/
COPY src/DataPlane/*.csproj src/DataPlane/
COPY src/Root/*.csproj src/Root/
COPY src/ClusterOrchestrator/*.csproj src/ClusterOrchestrator/
COPY src/WorkerNode/*.csproj src/WorkerNode/
COPY src/DemoApp/*.csproj src/DemoApp/
COPY src/Cli/*.csproj src/Cli/
RUN for p in Root ClusterOrchestrator WorkerNode DemoApp Cli; do dotnet restore src/$p/Oakestra.Actors.$p.csproj; done
COPY src/ src/
RUN dotnet publish src/Root/Oakestra.Actors.Root.csproj -c Release --no-restore -o /out/root \
 && dotnet publish src/ClusterOrchestrator/Oakestra.Actors.ClusterOrchestrator.csproj -c Release --no-restore -o /out/orchestrator \
 && dotnet publish src/WorkerNode/Oakestra.Actors.WorkerNode.csproj -c Release --no-restore -o /out/worker \
 && dotnet publish src/DemoApp/Oakestra.Actors.DemoApp.csproj -c Release --no-restore -o /out/demo \
 && dotnet publish src/Cli/Oakestra.Actors.Cli.csproj -c Release --no-restore -o /out/cli

# The ASP.NET runtime: the root needs it, the others run on it unchanged.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
# iproute2: the worker creates instance namespaces and veths; ping/curl: for `docker-compose exec` checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 iputils-ping curl procps \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out /app
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
WORKDIR /app
# The service picks the program: docker-compose.yml sets `command` for each.
ENTRYPOINT ["dotnet"]
CMD ["/app/cli/Oakestra.Actors.Cli.dll", "--help"]
