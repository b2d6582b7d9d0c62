using Oakestra.Actors.Root;

// dotnet run --project src/Root -- --urls http://127.0.0.1:10000   (configuration: docs/CONFIG.md)
RootHost.Build(args).Run();
