using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.Contracts.Hosting;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>`oak lab up` gives every process a remoting certificate of the lab's CA, named after the process.</summary>
public class LabRemotingTlsTests
{
    [Fact]
    public void Every_process_gets_its_own_certificate_named_after_it_that_its_own_settings_accept()
    {
        var dir = Directory.CreateTempSubdirectory("oakt-labmtls-").FullName;
        try
        {
            var paths = new LabPaths(dir);
            var layout = LabLayout.Create(3, 2, roots: 2, tls: true);
            LabTls.Create(paths, layout.Nodes);
            var expected = new Dictionary<string, string>
            {
                ["root"] = "CN=root, OU=root", ["root2"] = "CN=root2, OU=root",
                ["o1"] = "CN=site1, OU=orchestrator", ["o2"] = "CN=site2, OU=orchestrator",
                ["w1"] = "CN=w1, OU=worker", ["w3"] = "CN=w3, OU=worker",
            };
            foreach (var (node, subject) in expected)
            {
                using var cert = X509Certificate2.CreateFromPemFile(paths.RemotingCertificate(node), paths.RemotingKey(node));
                Assert.StartsWith(subject, cert.Subject);
                // No address: a member's certificate can never pass for a root's HTTPS server.
                Assert.False(cert.MatchesHostname(layout.Node(node).Ipv4));
            }
            Assert.Equal(layout.Nodes.Count * 2, Directory.GetFiles(paths.RemotingTls).Length);

            // What each process does with its command line: it loads and accepts its certificate, and TLS is on.
            foreach (var node in layout.Nodes)
            {
                var line = node.Role switch
                {
                    LabRole.Root => LabCommandLines.Root(layout, node, "Root.dll", paths),
                    LabRole.Orchestrator => LabCommandLines.Orchestrator(layout, node, "Orch.dll", paths),
                    _ => LabCommandLines.Worker(layout, node, "Worker.dll", paths),
                };
                var configuration = new ConfigurationBuilder().AddCommandLine(line.Skip(2).ToArray()).Build();
                var tls = RemotingTls.FromConfiguration(configuration);
                Assert.NotNull(tls);
                Assert.Null(tls.Refusal(tls.Certificate));
                Assert.StartsWith(LabTls.RemotingSubject(node).Split(", O=")[0], tls.Certificate.Subject);
                Assert.DoesNotContain("--Oak:Remoting:Tls=off", line);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Layouts_without_the_labs_ca_run_plain_tcp_only_by_saying_so()
    {
        var layout = LabLayout.Create(1, 1);
        var paths = new LabPaths("/repo");
        Assert.Contains("--Oak:Remoting:Tls=off", LabCommandLines.Worker(layout, layout.Workers.First(), "Worker.dll", paths));
        Assert.DoesNotContain(LabCommandLines.Root(layout, layout.Root, "Root.dll", paths), a => a.StartsWith("--Oak:Remoting:Certificate", StringComparison.Ordinal));
    }
}
