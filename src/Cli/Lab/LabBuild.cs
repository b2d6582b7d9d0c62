using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>Builds the node programs the lab runs (Release), only when the output is missing or older than a source.</summary>
public static class LabBuild
{
    public static readonly string[] Projects = ["Root", "ClusterOrchestrator", "WorkerNode", "DemoApp"];

    public static string Dll(string repo, string project) =>
        Path.Combine(repo, "src", project, "bin", "Release", "net10.0", $"Oakestra.Actors.{project}.dll");

    public static void Ensure(string repo, TextWriter log)
    {
        foreach (var project in Projects)
        {
            var dll = Dll(repo, project);
            if (File.Exists(dll) && File.GetLastWriteTimeUtc(dll) >= NewestSource(repo, project)) continue;
            log.WriteLine($"building {project} …");
            var r = Shell.Run("dotnet", "build", Path.Combine(repo, "src", project, $"Oakestra.Actors.{project}.csproj"),
                "-c", "Release", "-nologo", "-v", "q", "-clp:ErrorsOnly");
            if (!r.Ok || !File.Exists(dll))
            {
                var first = (r.Stdout + "\n" + r.Stderr).Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))?.Trim();
                throw new CliFailure($"building {project} failed: {first ?? "see `dotnet build src/" + project + "`"}");
            }
        }
    }

    // A project's own sources plus the libraries every node shares and the central build files.
    private static DateTime NewestSource(string repo, string project)
    {
        var newest = DateTime.MinValue;
        foreach (var dir in new[] { project, "Contracts", "DataPlane" }.Select(p => Path.Combine(repo, "src", p)).Where(Directory.Exists))
            foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            {
                if (f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                if (!(f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))) continue;
                var t = File.GetLastWriteTimeUtc(f);
                if (t > newest) newest = t;
            }
        foreach (var f in new[] { "Directory.Build.props", "Directory.Packages.props" }.Select(p => Path.Combine(repo, p)).Where(File.Exists))
        {
            var t = File.GetLastWriteTimeUtc(f);
            if (t > newest) newest = t;
        }
        return newest;
    }
}
