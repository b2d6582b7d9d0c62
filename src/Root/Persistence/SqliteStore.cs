using Microsoft.Data.Sqlite;

namespace Oakestra.Actors.Root.Persistence;

/// <summary>Prepares the embedded SQLite file before the journal opens it.</summary>
public static class SqliteStore
{
    /// <summary>
    /// Creates the data directory and the file and switches it to WAL. journal_mode=WAL is stored in the
    /// database file itself, so setting it once here holds for every connection the journal opens later
    /// (readers no longer block the single writer, and a crash cannot tear a committed event).
    /// </summary>
    public static string Prepare(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connectionString = ConnectionString(path);
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite at {path} refused WAL mode (journal_mode = {mode})");
        return connectionString;
    }

    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(path),
        Mode = SqliteOpenMode.ReadWriteCreate,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>The file's current journal mode ("wal" after <see cref="Prepare"/>).</summary>
    public static string JournalMode(string path)
    {
        using var connection = new SqliteConnection(ConnectionString(path));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        return (string)command.ExecuteScalar()!;
    }
}
