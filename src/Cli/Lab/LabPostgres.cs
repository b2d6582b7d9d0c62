using System.Globalization;
using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// The database cluster a lab with several roots shares: Debian's PostgreSQL server binaries, a cluster of
/// the lab's own under <c>.lab/pg</c> (initdb refuses to run as root, so it belongs to the postgres user),
/// listening only on the bridge's host address and on a port of its own, made at `up` and removed at `down`.
/// Its log goes to <c>.lab/logs/postgres.log</c> and is kept like the other logs.
/// </summary>
public static class LabPostgres
{
    public const string User = "postgres";
    public const string Log = "postgres";

    private static string Data(LabPaths paths) => Path.Combine(paths.Postgres, "data");

    /// <summary>The newest installed server's bin folder (initdb, pg_ctl, postgres), or a failure saying what to install.</summary>
    public static string BinDir()
    {
        var root = "/usr/lib/postgresql";
        var found = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
                .OrderByDescending(x => x.Version).Select(x => x.Dir).FirstOrDefault()
            : null;
        return found ?? throw new CliFailure("several roots need PostgreSQL's server (Debian package postgresql): no initdb and pg_ctl under /usr/lib/postgresql/*/bin");
    }

    /// <summary>
    /// Fails before anything is made when the postgres user could not reach <c>.lab/pg</c>: a checkout under a folder
    /// only root may enter (/root is 0700 on Debian) would otherwise fail in initdb with a less clear message.
    /// </summary>
    public static void CheckReachable(LabPaths paths)
    {
        BinDir();
        if (Shell.Run("id", "-u", User) is not { Ok: true }) throw new CliFailure($"several roots need the {User} user (Debian package postgresql)");
        for (var dir = new DirectoryInfo(paths.RepoRoot); dir is not null; dir = dir.Parent)
            if (!Shell.Run("runuser", "-u", User, "--", "test", "-x", dir.FullName).Ok)
                throw new CliFailure($"PostgreSQL runs as the {User} user, which cannot enter {dir.FullName}: `chmod o+x {dir.FullName}` or use a checkout it can reach (several roots keep their database in .lab/pg)");
    }

    /// <summary>initdb, configuration, start, then the role and database of <paramref name="db"/>. Leaves nothing half made on failure.</summary>
    public static void Create(LabPaths paths, LabDatabase db, string subnet)
    {
        var bin = BinDir();
        Remove(paths);
        try
        {
            Directory.CreateDirectory(paths.Postgres);
            var log = paths.Log(Log);
            Directory.CreateDirectory(paths.Logs);
            File.WriteAllText(log, "");
            Shell.Check("chown", "-R", $"{User}:{User}", paths.Postgres, log);
            Shell.Check("chmod", "700", paths.Postgres);
            AsPostgres(Path.Combine(bin, "initdb"), "-D", Data(paths), "-U", db.User, "-E", "UTF8", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-instructions");

            // Only the bridge's host address, and no socket in /var/run/postgresql where the machine's own cluster has its.
            File.AppendAllText(Path.Combine(Data(paths), "postgresql.conf"), string.Join('\n',
                "", "# written by `oak lab up --roots`",
                $"listen_addresses = '{db.Host}'", $"port = {db.Port}", $"unix_socket_directories = '{paths.Postgres}'", "max_connections = 200", ""));
            // Local socket: trusted, it sits in .lab/pg (0700, postgres only). TCP: the lab's subnet, with the password.
            File.WriteAllText(Path.Combine(Data(paths), "pg_hba.conf"), string.Join('\n',
                "# written by `oak lab up --roots`", "local all all trust", $"host all all {subnet}.0/24 scram-sha-256", ""));
            AsPostgres(Path.Combine(bin, "pg_ctl"), "-D", Data(paths), "-l", log, "-w", "-t", "60", "start");
            AsPostgres(Path.Combine(bin, "psql"), "-h", paths.Postgres, "-p", db.Port.ToString(CultureInfo.InvariantCulture), "-U", db.User, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q",
                "-c", $"ALTER ROLE {db.User} PASSWORD '{db.Password}'", "-c", $"CREATE DATABASE {db.Name} OWNER {db.User}");
        }
        catch
        {
            Remove(paths);
            throw;
        }
    }

    /// <summary>The postmaster's pid while the cluster runs (its postmaster.pid names it and the kernel still has it), else null.</summary>
    public static int? Pid(LabPaths paths)
    {
        var file = Path.Combine(Data(paths), "postmaster.pid");
        try
        {
            if (!File.Exists(file)) return null;
            var first = File.ReadLines(file).FirstOrDefault();
            return int.TryParse(first, out var pid) && LabProcesses.Alive(pid) && LabProcesses.Argv(pid).FirstOrDefault()?.Contains("postgres", StringComparison.Ordinal) == true ? pid : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>Stops the cluster (fast shutdown, then SIGKILL if it hangs) and deletes <c>.lab/pg</c>. True when there was one.</summary>
    public static bool Remove(LabPaths paths)
    {
        if (!Directory.Exists(paths.Postgres)) return false;
        if (Pid(paths) is { } pid)
        {
            var bin = Directory.Exists("/usr/lib/postgresql") ? BinDir() : null;
            if (bin is null || !Shell.Run("runuser", "-u", User, "--", Path.Combine(bin, "pg_ctl"), "-D", Data(paths), "-m", "fast", "-w", "-t", "20", "stop").Ok)
            {
                Native.kill(pid, Native.SIGKILL);
                LabProcesses.WaitGone(pid, TimeSpan.FromSeconds(5));
            }
        }
        Directory.Delete(paths.Postgres, recursive: true);
        return true;
    }

    private static void AsPostgres(string program, params string[] args)
    {
        var r = Shell.Run("runuser", ["-u", User, "--", program, .. args]);
        if (!r.Ok)
            throw new CliFailure($"{Path.GetFileName(program)} failed for the lab's PostgreSQL: {(r.Stderr + " " + r.Stdout).Trim()}");
    }
}
