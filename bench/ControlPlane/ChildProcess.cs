using System.Diagnostics;
using System.Globalization;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>
/// One of the real programs (src/Root, src/ClusterOrchestrator), run from its own project's build output (built with
/// this one: it is referenced), so its memory is its own process's RSS. Not from the copy beside this assembly: that
/// one's dependencies were resolved for this process (the orchestrator's Microsoft.Extensions.Hosting is not copied
/// here, this process takes it from the ASP.NET Core framework the root brings, which the orchestrator does not load). Output goes to a log file in the run's directory (shown when it fails).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    public string Name { get; }
    public string LogPath { get; }
    public int Id => _process.Id;
    public bool Exited => _process.HasExited;

    private ChildProcess(string name, Process process, string logPath)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
    }

    public static ChildProcess Start(string name, string project, string assembly, IEnumerable<string> args, string logDirectory)
    {
        var dll = ProgramPath(project, assembly);
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var logPath = Path.Combine(logDirectory, name + ".log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var gate = new object();
        void Write(string? line) { if (line is not null) lock (gate) log.WriteLine(line); }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) => { lock (gate) log.Dispose(); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process, logPath);
    }

    /// <summary>
    /// &lt;repo&gt;/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/&lt;assembly&gt;.dll, the configuration and framework taken from
    /// this assembly's own output directory (bench/ControlPlane/bin/Release/net10.0, or a test project's).
    /// </summary>
    private static string ProgramPath(string project, string assembly)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent?.Name ?? "Release";
        for (var dir = here; dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Oakestra.Actors.sln")))
            {
                var dll = Path.Combine(dir.FullName, project, "bin", configuration, tfm, assembly + ".dll");
                if (File.Exists(dll)) return dll;
                throw new FileNotFoundException($"{dll} is missing: build the solution (or this project, which references it) first", dll);
            }
        throw new DirectoryNotFoundException($"no Oakestra.Actors.sln above {here.FullName}");
    }

    /// <summary>The host that runs this process (dotnet test and dotnet run set DOTNET_HOST_PATH).</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h
        : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : "dotnet";

    /// <summary>Resident set size and its peak (VmRSS, VmHWM), in MiB.</summary>
    public (double Rss, double Peak) Memory() => Rss(_process.Id);

    public static (double Rss, double Peak) Rss(int pid)
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kib(line) / 1024;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kib(line) / 1024;
        }
        return (rss, peak);
    }

    private static double Kib(string line) =>
        double.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The last lines of its log, for an error message.</summary>
    public string Tail(int lines = 30)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var all = new StreamReader(stream).ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e) { return $"(log unreadable: {e.Message})"; }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
