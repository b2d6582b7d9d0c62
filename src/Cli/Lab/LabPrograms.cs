namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// What the lab runs for each role. The real lab runs the built node programs (<see cref="Dotnet"/>);
/// tests swap in stand-ins to exercise starting, waiting and stopping without the real processes.
/// </summary>
public sealed record LabPrograms(
    Func<LabLayout, LabNode, IReadOnlyList<string>> Root,
    Func<LabLayout, LabNode, IReadOnlyList<string>> Orchestrator,
    Func<LabLayout, LabNode, IReadOnlyList<string>> Worker,
    Action<TextWriter>? Build = null,
    Action? Check = null)
{
    public static LabPrograms Dotnet(LabPaths paths, LabTopology topology = LabCommandLines.DefaultTopology) => new(
        (l, r) => LabCommandLines.Root(l, r, LabBuild.Dll(paths.RepoRoot, "Root"), paths, topology),
        (l, o) => LabCommandLines.Orchestrator(l, o, LabBuild.Dll(paths.RepoRoot, "ClusterOrchestrator"), paths, topology),
        (l, w) => LabCommandLines.Worker(l, w, LabBuild.Dll(paths.RepoRoot, "WorkerNode"), paths, topology),
        log => LabBuild.Ensure(paths.RepoRoot, log),
        () =>
        {
            foreach (var project in LabBuild.Projects)
                if (!File.Exists(LabBuild.Dll(paths.RepoRoot, project)))
                    throw new Api.CliFailure($"{project} is not built ({Path.GetRelativePath(paths.RepoRoot, LabBuild.Dll(paths.RepoRoot, project))} is missing); run without --no-build");
        });
}
