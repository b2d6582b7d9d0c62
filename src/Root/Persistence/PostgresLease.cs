using Akka.Actor;
using Akka.Coordination;
using Akka.Event;
using Npgsql;

namespace Oakestra.Actors.Root.Persistence;

/// <summary>
/// An Akka.Coordination lease kept in the roots' shared PostgreSQL database: one row per lease with its owner and
/// an expiry that the owner renews every heartbeat interval. The root tier's split brain resolver (lease-majority)
/// takes it to decide an even split: with two roots, the survivor of a crashed root takes the lease and stays, where
/// keep-majority would down the survivor whenever the crashed root had the lower address. A lease whose owner died
/// is free after its heartbeat timeout.
/// </summary>
public sealed class PostgresLease : Lease
{
    private readonly string _connectionString;
    private readonly ILoggingAdapter _log;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _operationTimeout;
    private volatile bool _held;
    private CancellationTokenSource? _renewal;
    private static int _tableReady;

    public PostgresLease(LeaseSettings settings, ExtendedActorSystem system) : base(settings)
    {
        _connectionString = settings.LeaseConfig.GetString("connection-string")
            ?? throw new ArgumentException("the PostgreSQL lease needs connection-string");
        _ttl = settings.TimeoutSettings.HeartbeatTimeout;
        _operationTimeout = settings.TimeoutSettings.OperationTimeout;
        _log = Logging.GetLogger(system, "PostgresLease");
    }

    public override Task<bool> Acquire() => Acquire(_ => { });

    public override async Task<bool> Acquire(Action<Exception> leaseLostCallback)
    {
        var acquired = await TryTakeAsync();
        _log.Info("lease {0} for {1}: {2}", Settings.LeaseName, Settings.OwnerName, acquired ? "acquired" : "held by another owner");
        if (!acquired) return false;
        _held = true;
        _renewal?.Cancel();
        var renewal = _renewal = new CancellationTokenSource();
        _ = RenewAsync(leaseLostCallback, renewal.Token);
        return true;
    }

    public override async Task<bool> Release()
    {
        _held = false;
        _renewal?.Cancel();
        await using var connection = await OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM oak_leases WHERE name = @name AND owner = @owner", connection);
        delete.Parameters.AddWithValue("name", Settings.LeaseName);
        delete.Parameters.AddWithValue("owner", Settings.OwnerName);
        await delete.ExecuteNonQueryAsync();
        return true;
    }

    public override bool CheckLease() => _held;

    /// <summary>Takes the row when it is free, expired or already ours, in one statement (no race between two roots).</summary>
    private async Task<bool> TryTakeAsync()
    {
        await using var connection = await OpenAsync();
        await using var take = new NpgsqlCommand("""
            INSERT INTO oak_leases (name, owner, expires_at) VALUES (@name, @owner, now() + @ttl)
            ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
              WHERE oak_leases.owner = excluded.owner OR oak_leases.expires_at < now()
            RETURNING owner
            """, connection);
        take.Parameters.AddWithValue("name", Settings.LeaseName);
        take.Parameters.AddWithValue("owner", Settings.OwnerName);
        take.Parameters.AddWithValue("ttl", _ttl);
        take.CommandTimeout = (int)Math.Ceiling(_operationTimeout.TotalSeconds);
        return await take.ExecuteScalarAsync() is string;
    }

    private async Task RenewAsync(Action<Exception> lost, CancellationToken ct)
    {
        var renewed = DateTime.UtcNow;
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(Settings.TimeoutSettings.HeartbeatInterval, ct); }
            catch (OperationCanceledException) { return; }
            string? why;
            try
            {
                if (await TryTakeAsync()) { renewed = DateTime.UtcNow; continue; }
                why = "taken by another owner";
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // The database is out of reach: the lease counts as lost only once it would have expired.
                _log.Warning("renewing lease {0} failed: {1}", Settings.LeaseName, e.Message);
                if (DateTime.UtcNow - renewed < _ttl) continue;
                why = "not renewed within its timeout";
            }
            if (ct.IsCancellationRequested) return;
            _held = false;
            lost(new LeaseException($"lease {Settings.LeaseName} {why}"));
            return;
        }
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        using var timeout = new CancellationTokenSource(_operationTimeout);
        await connection.OpenAsync(timeout.Token);
        if (Interlocked.CompareExchange(ref _tableReady, 1, 0) == 0)
        {
            await using var create = new NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS oak_leases (name text PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL)", connection);
            await create.ExecuteNonQueryAsync(timeout.Token);
        }
        return connection;
    }
}
