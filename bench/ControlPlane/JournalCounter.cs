using Microsoft.Data.Sqlite;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>Counts the events in the root's SQLite journal (read-only: WAL lets a reader in beside the writer).</summary>
public sealed class JournalCounter(string databasePath)
{
    private string? _table;

    public long Count()
    {
        if (!File.Exists(databasePath)) return 0;
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        _table ??= Table(connection);
        if (_table is null) return 0;
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"{_table}\"";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Akka.Persistence.Sql's event table ("journal" by default).</summary>
    private static string? Table(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        using var reader = command.ExecuteReader();
        var tables = new List<string>();
        while (reader.Read()) tables.Add(reader.GetString(0));
        return tables.FirstOrDefault(t => t.Equals("journal", StringComparison.OrdinalIgnoreCase))
            ?? tables.FirstOrDefault(t => t.Contains("journal", StringComparison.OrdinalIgnoreCase) && !t.Contains("tag", StringComparison.OrdinalIgnoreCase));
    }
}
