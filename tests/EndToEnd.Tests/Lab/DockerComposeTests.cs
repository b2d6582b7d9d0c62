using System.Text.RegularExpressions;
using Oakestra.Actors.Cli;
using Oakestra.Actors.Cli.Lab;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>docker-compose.yml cannot be run here (no container engine); it must at least parse and agree with itself.</summary>
public partial class DockerComposeTests
{
    private static readonly string Repo = RepoLocator.Find(_ => null)!;
    private static string ComposeFile => Path.Combine(Repo, "docker-compose.yml");

    [SkippableFact]
    public void Compose_file_passes_docker_compose_config_with_postgres_root_orchestrator_and_three_workers()
    {
        Skip.IfNot(File.Exists("/usr/bin/docker-compose"), "docker-compose is not installed (.ci/install-prerequisites installs it)");
        var r = Shell.Run("docker-compose", "-f", ComposeFile, "config", "--services");
        Assert.True(r.Ok, r.Stderr);
        Assert.Equal(["orchestrator", "postgres", "root", "w1", "w2", "w3"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public void Every_worker_advertises_its_own_address_for_akka_and_the_tunnel()
    {
        var text = File.ReadAllText(ComposeFile);
        foreach (var w in new[] { "w1", "w2", "w3" })
        {
            var block = Regex.Match(text, $@"\n  {w}:\n(?<body>(    .*\n|\n)+)").Groups["body"].Value;
            var address = Regex.Match(block, @"ipv4_address: (\S+)").Groups[1].Value;
            Assert.NotEqual("", address);
            Assert.Contains($"OAK__AKKA__HOSTNAME: {address}\n", block);
            Assert.Contains($"OAK__NODE__TUNNELENDPOINT: {address}:{LabLayout.TunnelPort}\n", block);
            Assert.Contains($"OAK__NODE__NAME: {w}\n", block);
        }
        Assert.Contains("OAK__AKKA__SEEDS: akka.tcp://oakestra@10.99.0.1:4053", text);
        Assert.Contains("OAK__STORE__PROVIDER: postgres", text);
    }
}
