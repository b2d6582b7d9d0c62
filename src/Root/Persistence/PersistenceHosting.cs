using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Microsoft.Extensions.Configuration;

namespace Oakestra.Actors.Root.Persistence;

/// <summary>
/// The root's journal and snapshot store (Akka.Persistence.Sql, tables created on first start):
/// SQLite file in WAL mode by default, PostgreSQL when several root processes share one journal.
/// Events and snapshots are written by OakJsonSerializer through its IPersistedMessage binding.
/// </summary>
public static class PersistenceHosting
{
    public static AkkaConfigurationBuilder WithOakestraPersistence(this AkkaConfigurationBuilder builder, IConfiguration configuration) =>
        builder.WithOakestraPersistence(StoreSettings.FromConfiguration(configuration));

    public static AkkaConfigurationBuilder WithOakestraPersistence(this AkkaConfigurationBuilder builder, StoreSettings store)
    {
        var (connectionString, provider) = store.Provider switch
        {
            StoreProvider.Sqlite => (SqliteStore.Prepare(store.SqlitePath), LinqToDB.ProviderName.SQLiteMS),
            StoreProvider.Postgres => (store.ConnectionString!, LinqToDB.ProviderName.PostgreSQL),
            _ => throw new ArgumentOutOfRangeException(nameof(store)),
        };
        // Never add WithConnectivityCheck(): it throws with linq2db 6.
        // The journal's health check (Akka.Persistence.Hosting) is part of the root's readiness (/api/v1/health).
        builder.WithSqlPersistence(connectionString, provider, autoInitialize: true,
            journalBuilder: j => j.WithHealthCheck(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, "journal", [Contracts.Hosting.Health.OakHealth.Ready]));
        return store.Provider == StoreProvider.Postgres ? builder.AddHocon(LeaseMajority(store.ConnectionString!), HoconAddMode.Prepend) : builder;
    }

    /// <summary>
    /// Several roots share one PostgreSQL database, and with it the tie breaker of their split brain resolver: on an
    /// even split (two roots, one crashed) the side that takes the lease in the database stays. Keep-majority would
    /// keep the side with the lowest address, which is no one when that root is the one that crashed.
    /// </summary>
    private static string LeaseMajority(string connectionString) => $$"""
        # A removed root's shards move after 3 s instead of stable-after: the side that lost the lease downs itself
        # about 1 s (acquire-lease-delay-for-minority) after the winner decided, so its shards stop before ours
        # start; a straggler's write would still fail on the journal's (persistence id, sequence nr) key.
        akka.cluster.down-removal-margin = 3s
        # Regions ask the moved coordinator for their shards' homes every 0.5 s instead of 2 s (the API waits on it).
        akka.cluster.sharding.retry-interval = 500ms
        akka.cluster.split-brain-resolver.active-strategy = lease-majority
        akka.cluster.split-brain-resolver.lease-majority {
          lease-implementation = "oak.lease.postgres"
          lease-name = "oakestra-root-sbr"
          role = "{{Contracts.Hosting.OakestraRoles.Root}}"
          acquire-lease-delay-for-minority = 1s
        }
        oak.lease.postgres {
          lease-class = "{{typeof(PostgresLease).AssemblyQualifiedName}}"
          connection-string = "{{connectionString.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}}"
          heartbeat-timeout = 15s
          heartbeat-interval = 3s
          lease-operation-timeout = 5s
        }
        """;
}
