using Oakestra.Actors.Cli;

namespace Oakestra.Actors.EndToEnd.Tests.Support;

/// <summary>Runs the CLI in-process with captured output, a given environment and a throw-away repository folder.</summary>
public sealed class Oak : IDisposable
{
    public Oak()
    {
        RepoRoot = Directory.CreateTempSubdirectory("oakt-cli-").FullName;
        File.WriteAllText(Path.Combine(RepoRoot, RepoLocator.Marker), "");
    }

    public string RepoRoot { get; }
    public Dictionary<string, string> Env { get; } = new(StringComparer.Ordinal);

    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public async Task<Result> RunAsync(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var ctx = new CliContext(output, error, k => Env.TryGetValue(k, out var v) ? v : null, RepoRoot);
        var code = await CliApp.RunAsync(args, ctx);
        return new Result(code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try { Directory.Delete(RepoRoot, recursive: true); } catch (IOException) { }
    }
}
