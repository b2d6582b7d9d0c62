using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.WorkerNode.Actors;
using Oakestra.Actors.WorkerNode.Memory;
using Oakestra.Actors.WorkerNode.Ports.Inert;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>An inert worker: the real <see cref="WorkerAgent"/> over an inert instance host and a probe data plane.</summary>
public sealed record InertWorker(string Site, string Node, string TunnelEndpoint, ProbeDataPlane DataPlane);

/// <summary>
/// A site's inert workers, all in one ActorSystem that joins the site's cluster as a worker process does (roles
/// <c>worker</c> and <c>site-&lt;name&gt;</c>, Oakestra's cluster setup, remoting to the orchestrator). Each is the
/// real <see cref="WorkerAgent"/> with its real children (route table, packet path, link to the orchestrator found
/// by cluster discovery), exactly as <see cref="WorkerNode.Hosting.WorkerHosting.AddWorkerNode"/> builds it, except
/// that many agents share the ActorSystem (at /user/worker-&lt;node&gt; rather than /user/worker), the instance host
/// is <see cref="InertInstanceHost"/> (every launch Running at once, no namespace, no process) and the data plane a
/// <see cref="ProbeDataPlane"/>. Same messages, same protocol: the orchestrator cannot tell them from real workers.
/// </summary>
public static class InertWorkers
{
    /// <summary>
    /// The site's split brain resolver waits this long (Oak:Akka:DownAfterSeconds, default 10) before it downs an
    /// unreachable side: the bench runs a whole deployment on one small machine, where a loaded member misses
    /// heartbeats for longer than a real node would.
    /// </summary>
    public const int DownAfterSeconds = 60;

    /// <summary>
    /// How often the packet path polls its data plane for misses and usage (default 100 ms). Not on the way of a
    /// change (a delta is compiled and published at once), but ten thousand agents in one process polling ten times a
    /// second would be load that real workers, each on its own machine, do not put on each other.
    /// </summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static IHost Start(string site, int orchestratorPort, IReadOnlyList<InertWorker> workers)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Oak:Akka:Hostname"] = "127.0.0.1",
            ["Oak:Remoting:Tls"] = "off",
            ["Oak:Akka:Port"] = "0",
            ["Oak:Akka:Seeds"] = $"127.0.0.1:{orchestratorPort}",
            ["Oak:Site:Name"] = site,
            ["Oak:Akka:DownAfterSeconds"] = DownAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Akka", LogLevel.Error).AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ");
        builder.Services.AddOakestraCluster(builder.Configuration, OakestraRoles.Worker, site, (akka, _) =>
        {
            akka.AddHocon(NodeRoles.RolesHocon(OakestraRoles.Worker, NodeRoles.SiteRole(site)), HoconAddMode.Prepend);
            akka.WithActors((system, _) =>
            {
                foreach (var w in workers) system.ActorOf(AgentProps(w), $"worker-{w.Node}");
            });
        });
        var host = builder.Build();
        host.Start();
        return host;
    }

    public static Props AgentProps(InertWorker w) =>
        WorkerAgent.Props(new WorkerSettings(w.Site, w.Node, w.TunnelEndpoint) { PollInterval = PollInterval }, new InertInstanceHost(), w.DataPlane,
            UpstreamLink.ViaCluster(new ClusterUpstream([NodeRoles.Orchestrator, NodeRoles.SiteRole(w.Site)], NodeRoles.OrchestratorPath)),
            NodeMemory.InProcess());
}
