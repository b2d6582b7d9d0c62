using System.Text.Json;
using System.Text.Json.Nodes;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Commands;
using Oakestra.Actors.Cli.Instances;
using Oakestra.Actors.Cli.Output;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// `lab up --demo`: deploys lab/demo-sla.json (a client and the service "demo" with one instance on each
/// of w1..w3), waits until every instance is Running, then replays the four envelopes of the semantic
/// addressing text from inside the client's namespace, over IPv4 and again over IPv6, and shows who answered
/// and which source it saw (a request that failed says so in its row).
/// </summary>
public sealed class DemoRun(CliContext ctx, LabPaths paths, LabLayout layout, string? demoDll = null)
{
    private readonly string _demoDll = demoDll ?? LabBuild.Dll(paths.RepoRoot, "DemoApp");

    public const string SlaTemplate = "lab/demo-sla.json";
    public const string DemoPlaceholder = "{{DEMO}}";
    public const int DemoPort = 8080;

    public const string ProcessRuntime = "process";
    public const string ContainerRuntime = "container";

    /// <summary>How the demo's instances run: as processes (the dll on this machine) or as containers of
    /// <see cref="LabImage.DemoTag"/>, built here and imported into the lab's containerd first.</summary>
    public string Runtime { get; init; } = ProcessRuntime;

    /// <summary>Every microservice of the SLA as a container of <paramref name="image"/>. <c>cmd</c> is the whole
    /// command, as Oakestra's NodeEngine and <c>ctr run</c> mean it (the image's entrypoint is replaced too).</summary>
    public static string AsContainers(string sla, string image)
    {
        var doc = JsonNode.Parse(sla)!;
        foreach (var ms in (doc["applications"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(a => (a["microservices"] as JsonArray ?? []).OfType<JsonObject>()))
        {
            ms["virtualization"] = ContainerRuntime;
            ms["code"] = image;
            ms["cmd"] = new JsonArray(LabImage.DotnetDir + "/dotnet", LabImage.AppDir + "/Oakestra.Actors.DemoApp.dll",
                "serve", "--port", DemoPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The template with the demo app's command line and each constrained node's site filled in.</summary>
    public static string RenderSla(string template, string demoCommand, LabLayout layout)
    {
        var sla = JsonNode.Parse(template.Replace(DemoPlaceholder, demoCommand, StringComparison.Ordinal))!;
        foreach (var ms in (sla["applications"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(a => (a["microservices"] as JsonArray ?? []).OfType<JsonObject>()))
            foreach (var c in (ms["constraints"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var node = c["node"]?.GetValue<string>();
                var site = layout.Workers.FirstOrDefault(w => w.Name == node)?.Site
                    ?? throw new CliFailure($"the demo SLA places an instance on {node}, which this lab does not have (use --workers 3 or more)");
                c["cluster"] = site;
            }
        return sla.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public async Task RunAsync(RootClient root, TimeSpan timeout, CancellationToken ct)
    {
        var demoDll = _demoDll;
        var sla = RenderSla(await File.ReadAllTextAsync(Path.Combine(paths.RepoRoot, SlaTemplate), ct), $"dotnet {demoDll}", layout);
        if (Runtime == ContainerRuntime)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var archive = LabImage.Build(demoDll, Path.Combine(paths.Dir, "images", "oak-demo.tar"));
            var loaded = LabContainers.Import(LabContainers.Address(ctx.Env), LabContainers.Namespace(layout.Prefix), archive);
            ctx.Out.WriteLine($"built and loaded {string.Join(", ", loaded)} in {clock.Elapsed.TotalSeconds:0.0} s (.lab/images/oak-demo.tar)");
            sla = AsContainers(sla, LabImage.DemoTag);
        }
        await File.WriteAllTextAsync(Path.Combine(paths.Dir, "demo-sla.json"), sla, ct);
        ctx.Out.WriteLine();
        ctx.Out.WriteLine("deploying the demo application (.lab/demo-sla.json) …");
        var services = await Deployer.DeployAsync(root, sla, ct);
        services = await WaitRunningAsync(root, services, timeout, ct);
        ctx.Out.Write(Views.Services(services));

        var client = services.FirstOrDefault(s => s.Name == "client") ?? throw new CliFailure("the demo SLA has no service named client");
        var demo = services.FirstOrDefault(s => s.Name == "demo") ?? throw new CliFailure("the demo SLA has no service named demo");
        var clientInstance = client.Instances!.First(i => i.Status == "Running");
        var (ns, _) = await InstanceNamespaceResolver.ResolveAsync(root, clientInstance.Id, layout.Prefix, ct);

        var closest = demo.ServiceIps?.FirstOrDefault(ip => ip.Policy == "closest");
        var rr = demo.ServiceIps?.FirstOrDefault(ip => ip.Policy == "round_robin");
        var third = demo.Instances?.Where(i => i.Status == "Running").OrderBy(i => i.Number).Skip(2).FirstOrDefault();
        var thirdName = $"Instance IP of instance 3 ({third?.Id ?? "-"})";
        // The same four envelopes over IPv4, then over IPv6 (dual stack, no 4↔6 translation: each family on its own).
        var envelopes = new List<(string Name, string? Address)>
        {
            ("1: Closest IP", closest?.Ipv4),
            ("2: Round Robin IP", rr?.Ipv4),
            ("3: Round Robin IP", rr?.Ipv4),
            ($"4: {thirdName}", third?.InstanceIpv4),
            ("IPv6 1: Closest IP", closest?.Ipv6),
            ("IPv6 2: Round Robin IP", rr?.Ipv6),
            ("IPv6 3: Round Robin IP", rr?.Ipv6),
            ($"IPv6 4: {thirdName}", third?.InstanceIpv6),
        };

        var table = new Table("envelope", "dialled", "answered by", "node", "namespace ip", "saw source");
        var answeredBy = new List<string?>();
        foreach (var (name, address) in envelopes)
        {
            if (string.IsNullOrEmpty(address)) { table.Add(name, null, "(no such address)", null, null, null); answeredBy.Add(null); continue; }
            var url = address.Contains(':') ? $"http://[{address}]:{DemoPort}/" : $"http://{address}:{DemoPort}/";
            var r = Shell.Run("ip", "netns", "exec", ns, "dotnet", demoDll, "get", url, "--timeout", "5");
            if (!r.Ok) { table.Add(name, address, $"(failed: {CliFailure.OneLine(r.Stderr + r.Stdout)})", null, null, null); answeredBy.Add(null); continue; }
            var answer = JsonNode.Parse(r.Stdout);
            answeredBy.Add(answer?["instance"]?.ToString());
            table.Add(name, address, answer?["instance"]?.ToString(), answer?["node"]?.ToString(), answer?["namespace_ip"]?.ToString(), answer?["saw_source"]?.ToString());
        }
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"from client {clientInstance.Id} (Instance IP {clientInstance.InstanceIpv4}, namespace {ns}):");
        ctx.Out.Write(table);
        ctx.Out.WriteLine($"every answer should have seen the client's Instance IP {clientInstance.InstanceIpv4} (IPv6: {clientInstance.InstanceIpv6 ?? "-"}) as the source.");
        if (answeredBy[1] is not null && answeredBy[1] == answeredBy[2])
            ctx.Out.WriteLine($"note: both Round Robin requests reached {answeredBy[1]}; round robin should have rotated to another instance.");
        if (answeredBy[5] is not null && answeredBy[5] == answeredBy[6])
            ctx.Out.WriteLine($"note: both IPv6 Round Robin requests reached {answeredBy[5]}; round robin should have rotated to another instance.");
        var failed = envelopes.Where((_, i) => answeredBy[i] is null).Select(e => e.Name).ToArray();
        if (failed.Length > 0) ctx.Out.WriteLine($"not answered: {string.Join(", ", failed)}");
        ctx.Out.WriteLine($"try: ./oak exec {clientInstance.Id} -- curl -s http://{rr?.Ipv4}:{DemoPort}/");
    }

    private async Task<IReadOnlyList<Service>> WaitRunningAsync(RootClient root, IReadOnlyList<Service> services, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var fresh = new List<Service>();
            foreach (var s in services) fresh.Add(await root.GetAsync<Service>($"api/v1/services/{RootClient.Escape(s.Id)}", ct));
            var waiting = fresh.SelectMany(s => s.Instances ?? []).Where(i => i.Status != "Running").ToList();
            if (waiting.Count == 0 && fresh.All(s => s.Instances is { Count: > 0 })) return fresh;
            // A Failed placement is re-placed by the root with a new epoch, so only the deadline ends the wait.
            if (DateTime.UtcNow >= deadline)
                throw new CliFailure($"timed out after {timeout.TotalSeconds:0}s waiting for the demo instances to run ({string.Join(", ", waiting.Select(i => $"{i.Id}: {i.Status}"))}); see .lab/logs/w1.log");
            await Task.Delay(1000, ct);
        }
    }
}
