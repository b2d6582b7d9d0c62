using System.Text.Json;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>Not run in parallel with another lab collection: labs of one checkout share .lab/ and their names.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveLabCollection : ICollectionFixture<LiveLabFixture>
{
    public const string Name = "live lab";
}

/// <summary>
/// The real lab (`./oak lab up --demo`: root, orchestrator, three workers on one site, the demo SLA) once for
/// the whole collection (names and lifetime: <see cref="LabFixture"/>).
/// </summary>
public class LiveLabFixture : LabFixture
{
    public const string Service = "demo.lab.demo.lab";
    public const string Client = "demo.lab.client.lab.0";

    public string ClientNamespace { get; private set; } = "";
    public string ClientIpv4 { get; private set; } = "";
    public string ClientIpv6 { get; private set; } = "";
    public string ClientNode { get; private set; } = "";

    protected override string[] UpArguments => ["--demo"];

    protected override async Task AfterUpAsync()
    {
        using var client = JsonDocument.Parse((await OakOk("--json", "service", "demo.lab.client.lab")).Out);
        var inst = client.RootElement.GetProperty("instances")[0];
        ClientIpv4 = inst.GetProperty("instance_ipv4").GetString()!;
        ClientIpv6 = inst.GetProperty("instance_ipv6").GetString()!;
        ClientNode = inst.GetProperty("placement").GetProperty("node").GetString()!;
        ClientNamespace = (await OakOk("exec", Client, "--", "ip", "netns", "identify")).Out.Trim();
    }

    /// <summary>A program run inside the client instance's network namespace.</summary>
    public Task<Proc.Result> InClient(TimeSpan timeout, params string[] command) =>
        Proc.RunAsync(Repo, timeout, "ip", ["netns", "exec", ClientNamespace, .. command]);

    public Task<Proc.Result> Demo(params string[] args) => InClient(Short, ["dotnet", DemoDll, .. args, "--timeout", "10"]);

    public async Task<ServiceView> ServiceAsync(string id = Service) =>
        ServiceView.Parse((await OakOk("--json", "service", id)).Out);
}
