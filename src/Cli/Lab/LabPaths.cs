namespace Oakestra.Actors.Cli.Lab;

/// <summary>The lab's runtime files, all under <c>.lab/</c> at the repository root (git-ignored).</summary>
public sealed record LabPaths(string RepoRoot)
{
    public string Dir => Path.Combine(RepoRoot, ".lab");
    /// <summary>KEY=VALUE lines (OAK_ROOT, OAK_NETNS_PREFIX) that the CLI reads when no --root / OAK_ROOT is given.</summary>
    public string EnvFile => Path.Combine(Dir, "env");
    public string StateFile => Path.Combine(Dir, "state.json");
    public string StateLock => Path.Combine(Dir, "state.lock");
    public string Logs => Path.Combine(Dir, "logs");
    public string Data => Path.Combine(Dir, "data");
    public string Nodes => Path.Combine(Dir, "nodes");
    /// <summary>The PostgreSQL cluster of a lab with several roots (owned by the postgres user).</summary>
    public string Postgres => Path.Combine(Dir, "pg");
    /// <summary>The root that answered the CLI last, tried first next time (one URL).</summary>
    public string AnsweringRoot => Path.Combine(Dir, "answering-root");
    /// <summary>The API token every root of the lab is started with (Oak:Api:TokenFile) and the CLI sends; 0600.</summary>
    public string ApiToken => Path.Combine(Dir, "api-token");
    /// <summary>The lab's own CA (the only one the CLI trusts for the lab) and the roots' certificate it signed.</summary>
    public string Tls => Path.Combine(Dir, "tls");
    public string TlsCa => Path.Combine(Tls, "ca.pem");
    public string TlsCertificate => Path.Combine(Tls, "root.pem");
    public string TlsKey => Path.Combine(Tls, "root.key");
    /// <summary>One remoting certificate and key per process (mutual TLS between all of them), signed by the same CA.</summary>
    public string RemotingTls => Path.Combine(Tls, "remoting");
    public string RemotingCertificate(string node) => Path.Combine(RemotingTls, node + ".pem");
    public string RemotingKey(string node) => Path.Combine(RemotingTls, node + ".key");
    public string Log(string process) => Path.Combine(Logs, process + ".log");

    public Dictionary<string, string> ReadEnv()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(EnvFile)) return values;
        foreach (var line in File.ReadAllLines(EnvFile))
        {
            var t = line.Trim();
            if (t.Length == 0 || t.StartsWith('#')) continue;
            if (t.StartsWith("export ", StringComparison.Ordinal)) t = t[7..];
            var eq = t.IndexOf('=');
            if (eq > 0) values[t[..eq].Trim()] = t[(eq + 1)..].Trim().Trim('"', '\'');
        }
        return values;
    }

    public void WriteEnv(IReadOnlyDictionary<string, string> values)
    {
        Directory.CreateDirectory(Dir);
        File.WriteAllLines(EnvFile, ["# written by `oak lab up`; `source .lab/env` to use it in a shell", .. values.Select(kv => $"export {kv.Key}={kv.Value}")]);
    }
}
