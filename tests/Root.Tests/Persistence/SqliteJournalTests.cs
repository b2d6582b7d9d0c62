using Akka.Actor;
using Microsoft.Data.Sqlite;
using Oakestra.Actors.Root.Persistence;
using Oakestra.Actors.Root.Tests.Serialization;

namespace Oakestra.Actors.Root.Tests.Persistence;

/// <summary>The embedded store: WAL mode, and events of an earlier shape recovered from the journal table.</summary>
public sealed class SqliteJournalTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_sqlite_file_is_created_under_the_data_dir_in_wal_mode()
    {
        var dataDir = Path.Combine(TestRoot.NewDataDir(), "nested", "data");
        try
        {
            await using var root = await TestRoot.StartAsync(dataDir);
            var r = await root.Pools.AllocateV4Async("instance:s.0");
            Assert.True(r.Ok, r.Error?.ToString());
            var file = Path.Combine(dataDir, StoreSettings.SqliteFileName);
            Assert.True(File.Exists(file));
            Assert.Equal("wal", SqliteStore.JournalMode(file));
            Assert.True(File.Exists(file + "-wal"));
        }
        finally
        {
            TestRoot.DeleteDataDir(Path.GetDirectoryName(Path.GetDirectoryName(dataDir))!);
        }
    }

    [Fact]
    public async Task An_event_written_in_an_earlier_shape_is_recovered_after_its_record_gained_properties()
    {
        var dataDir = TestRoot.NewDataDir();
        const string pid = "note-keeper-1";
        try
        {
            // 1. A current-shape event creates the tables and a row we can copy the bookkeeping columns from.
            await using (var root = await TestRoot.StartAsync(dataDir))
            {
                var keeper = root.System.ActorOf(Props.Create(() => new NoteKeeper(pid)));
                await keeper.Ask<Akka.Done>(new EvolvingNote("new", 1, "t", 9, ["a", "b"]), Timeout);
            }

            // 2. Rows written by the old code: only (Text, Count), plus a property that no longer exists.
            var file = Path.Combine(dataDir, StoreSettings.SqliteFileName);
            InsertCopyOfRow(file, pid, 1, 2, """{"Text":"old","Count":7}""");
            InsertCopyOfRow(file, pid, 1, 3, """{"Text":"older","Count":8,"Obsolete":true}""");

            // 3. Recovery reads all three.
            await using (var root = await TestRoot.StartAsync(dataDir))
            {
                var keeper = root.System.ActorOf(Props.Create(() => new NoteKeeper(pid)));
                var notes = await keeper.Ask<EvolvingNote[]>(new NoteKeeper.GetNotes(), Timeout);
                Assert.Equal(3, notes.Length);
                Assert.Equal(["a", "b"], notes[0].Labels);
                Assert.Equal(("old", 7, (string?)null, EvolvingNote.DefaultPriority, (IReadOnlyList<string>?)null),
                    (notes[1].Text, notes[1].Count, notes[1].Tag, notes[1].Priority, notes[1].Labels));
                Assert.Equal(("older", 8), (notes[2].Text, notes[2].Count));
            }
        }
        finally
        {
            TestRoot.DeleteDataDir(dataDir);
        }
    }

    /// <summary>Copies row <paramref name="fromSeq"/> of the journal table with a new sequence number and message body.</summary>
    private static void InsertCopyOfRow(string file, string pid, long fromSeq, long seq, string json)
    {
        using var c = new SqliteConnection(SqliteStore.ConnectionString(file));
        c.Open();
        var columns = new List<string>();
        using (var info = c.CreateCommand())
        {
            info.CommandText = "PRAGMA table_info(journal)";
            using var r = info.ExecuteReader();
            while (r.Read()) columns.Add(r.GetString(1));
        }
        Assert.Contains("message", columns);
        Assert.Contains("manifest", columns);
        var copied = columns.Where(col => col is not "ordering" and not "sequence_number" and not "message").ToArray();
        using var insert = c.CreateCommand();
        insert.CommandText =
            $"INSERT INTO journal (sequence_number, message, {string.Join(", ", copied)}) " +
            $"SELECT $seq, $message, {string.Join(", ", copied)} FROM journal WHERE persistence_id = $pid AND sequence_number = $from";
        insert.Parameters.AddWithValue("$seq", seq);
        insert.Parameters.AddWithValue("$message", System.Text.Encoding.UTF8.GetBytes(json));
        insert.Parameters.AddWithValue("$pid", pid);
        insert.Parameters.AddWithValue("$from", fromSeq);
        Assert.Equal(1, insert.ExecuteNonQuery());
        using var check = c.CreateCommand();
        check.CommandText = "SELECT manifest FROM journal WHERE persistence_id = $pid AND sequence_number = $seq";
        check.Parameters.AddWithValue("$pid", pid);
        check.Parameters.AddWithValue("$seq", seq);
        Assert.Equal(EvolvingNote.Manifest, check.ExecuteScalar());
    }
}
