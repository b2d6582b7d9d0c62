using Microsoft.Extensions.Configuration;

namespace Oakestra.Actors.Root.Persistence;

public enum StoreProvider { Sqlite, Postgres }

/// <summary>The Oak:Store:* keys of docs/CONFIG.md.</summary>
public sealed record StoreSettings(StoreProvider Provider, string DataDir, string? ConnectionString)
{
    public const string SqliteFileName = "oakestra.db";

    public string SqlitePath => Path.GetFullPath(Path.Combine(DataDir, SqliteFileName));

    public static StoreSettings FromConfiguration(IConfiguration configuration)
    {
        var s = configuration.GetSection("Oak:Store");
        var provider = (s["Provider"] ?? "sqlite").Trim().ToLowerInvariant() switch
        {
            "sqlite" or "" => StoreProvider.Sqlite,
            "postgres" or "postgresql" => StoreProvider.Postgres,
            var other => throw new InvalidOperationException($"Oak:Store:Provider '{other}' is not 'sqlite' or 'postgres'"),
        };
        var connection = string.IsNullOrWhiteSpace(s["ConnectionString"]) ? null : s["ConnectionString"];
        if (provider == StoreProvider.Postgres && connection is null)
            throw new InvalidOperationException("Oak:Store:Provider is postgres but Oak:Store:ConnectionString is empty");
        return new StoreSettings(provider, string.IsNullOrWhiteSpace(s["DataDir"]) ? "./data" : s["DataDir"]!, connection);
    }
}
