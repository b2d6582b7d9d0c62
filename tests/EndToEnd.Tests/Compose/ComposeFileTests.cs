using System.Text.RegularExpressions;
using Oakestra.Actors.Cli;
using Oakestra.Actors.Cli.Lab;

namespace Oakestra.Actors.EndToEnd.Tests.Compose;

/// <summary>
/// docker-compose.yml agrees with itself and with the namespace lab's topology (.ci/compose-e2e runs it for
/// real; these hold without a container engine).
/// </summary>
public class ComposeFileTests
{
    private static readonly string Repo = RepoLocator.Find(_ => null)!;
    private static string ComposeFile => Path.Combine(Repo, "docker-compose.yml");

    private static string Block(string text, string service) =>
        Regex.Match(text, $@"\n  {service}:\n(?<body>(    .*\n|\n)+)").Groups["body"].Value;

    [SkippableFact]
    public void Compose_file_passes_docker_compose_config_with_certs_postgres_root_orchestrator_and_three_workers()
    {
        Skip.IfNot(File.Exists("/usr/bin/docker-compose"), "docker-compose is not installed (.ci/install-prerequisites installs it)");
        var r = Shell.Run("docker-compose", "-f", ComposeFile, "config", "--services");
        Assert.True(r.Ok, r.Stderr);
        Assert.Equal(["certs", "orchestrator", "postgres", "root", "w1", "w2", "w3"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public void Every_worker_advertises_its_own_address_for_akka_and_the_tunnel_and_joins_its_sites_seeds()
    {
        var text = File.ReadAllText(ComposeFile);
        var site = "oakestra-site-site1";
        var seeds = Regex.Match(text, @"x-site1: &site1\n(?<body>(  .*\n)+)").Groups["body"].Value;
        Assert.Contains($"OAK__AKKA__SEEDS: akka.tcp://{site}@10.99.83.2:4053,akka.tcp://{site}@10.99.83.3:4053,akka.tcp://{site}@10.99.83.4:4053,akka.tcp://{site}@10.99.83.5:4053\n", seeds);
        foreach (var w in new[] { "w1", "w2", "w3" })
        {
            var block = Block(text, w);
            var address = Regex.Match(block, @"ipv4_address: (\S+)").Groups[1].Value;
            Assert.NotEqual("", address);
            Assert.Contains("<<: *site1\n", block);
            Assert.Contains($"OAK__AKKA__HOSTNAME: {address}\n", block);
            Assert.Contains($"OAK__NODE__TUNNELENDPOINT: {address}:{LabLayout.TunnelPort}\n", block);
            Assert.Contains($"OAK__NODE__NAME: {w}\n", block);
        }
        Assert.Contains($"OAK__AKKA__SEEDS: akka.tcp://{LabLayout.RootSystem}@10.99.83.1:4053\n", Block(text, "root"));
        Assert.Contains($"OAK__ROOT__CONTACTS: akka.tcp://{LabLayout.RootSystem}@10.99.83.1:4053\n", Block(text, "orchestrator"));
        Assert.Contains("OAK__STORE__PROVIDER: postgres", text);
    }

    [Fact]
    public void The_compose_lab_publishes_only_its_api_on_loopback_and_uses_only_its_own_networks()
    {
        var compose = File.ReadAllText(ComposeFile);
        Assert.Equal(["\"127.0.0.1:${OAK_API_PORT:-10000}:10000\""], Regex.Matches(compose, @"ports: \[(.*)\]").Select(m => m.Groups[1].Value));
        Assert.Equal(["10.99.83.0/24", "fd99:83::/64"], Regex.Matches(compose, @"- subnet: (\S+)").Select(m => m.Groups[1].Value));
        Assert.DoesNotContain("Tls=off", compose, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("OAK__REMOTING__TLS", compose);
    }

    [Fact]
    public void Every_long_running_service_has_a_healthcheck_and_starts_after_what_it_needs_is_healthy()
    {
        var compose = File.ReadAllText(ComposeFile);
        Assert.Contains("healthcheck:", Block(compose, "postgres"));
        Assert.Contains("healthcheck:", Block(compose, "root"));
        Assert.Contains("healthcheck:", Block(compose, "orchestrator"));
        Assert.Contains("healthcheck:", Regex.Match(compose, @"x-worker: &worker\n(?<body>(  .*\n)+)").Groups["body"].Value);
        Assert.Matches(@"depends_on:\n      certs:\n        condition: service_completed_successfully\n      postgres:\n        condition: service_healthy", Block(compose, "root"));
        Assert.Matches(@"depends_on:\n      root:\n        condition: service_healthy", Block(compose, "orchestrator"));
        Assert.Contains("init: true", compose);
    }
}
