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
        return builder.WithSqlPersistence(connectionString, provider, autoInitialize: true);
    }
}
