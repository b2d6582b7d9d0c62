using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Cli;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Compose;

/// <summary>
/// The compose lab's trust without a container engine: what docker/certs writes is what each process of
/// docker-compose.yml is told to load, and each accepts it as the processes do (.ci/compose-e2e runs it all).
/// </summary>
public class ComposeTrustTests
{
    private static readonly string Repo = RepoLocator.Find(Environment.GetEnvironmentVariable)
        ?? throw new InvalidOperationException("tests run inside the repository");

    /// <summary>Every `OAK__REMOTING__CERTIFICATE__PATH: /etc/oakestra/tls/X.pem` of the compose file: root, site1, w1..w3.</summary>
    private static IReadOnlyList<string> RemotingNames(string compose) =>
        Regex.Matches(compose, @"OAK__REMOTING__CERTIFICATE__PATH: /etc/oakestra/tls/([a-z0-9]+)\.pem").Select(m => m.Groups[1].Value).ToList();

    [SkippableFact]
    public void Every_process_of_the_compose_file_gets_a_certificate_of_the_compose_ca_that_its_settings_accept()
    {
        var openssl = new[] { "/usr/bin/openssl", "/bin/openssl" }.FirstOrDefault(File.Exists);
        if (openssl is null)
        {
            if (Requires.InCi) Assert.Fail("CI must check docker/certs, but openssl is not installed");
            Skip.If(true, "docker/certs needs openssl");
        }
        var dir = Directory.CreateTempSubdirectory("oakt-compose-tls-").FullName;
        try
        {
            var run = Process.Start(new ProcessStartInfo("bash", [Path.Combine(Repo, "docker", "certs"), dir]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var stderr = run.StandardError.ReadToEnd();
            run.WaitForExit();
            Assert.True(run.ExitCode == 0, $"docker/certs failed: {stderr}");

            var compose = File.ReadAllText(Path.Combine(Repo, "docker-compose.yml"));
            var names = RemotingNames(compose);
            Assert.Equal(["root", "site1", "w1", "w2", "w3"], names);
            var roles = new Dictionary<string, string> { ["root"] = "OU=root", ["site1"] = "OU=orchestrator" };
            foreach (var name in names)
            {
                // What the process does with its environment (OAK__REMOTING__…, the CA of x-akka), paths moved to the test's folder.
                var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Oak:Remoting:Certificate:Path"] = Path.Combine(dir, $"{name}.pem"),
                    ["Oak:Remoting:Certificate:KeyPath"] = Path.Combine(dir, $"{name}.key"),
                    ["Oak:Remoting:CaPath"] = Path.Combine(dir, "ca.pem"),
                }).Build();
                var tls = RemotingTls.FromConfiguration(configuration);
                Assert.NotNull(tls);
                Assert.Null(tls.Refusal(tls.Certificate));
                Assert.StartsWith($"CN={name}, {roles.GetValueOrDefault(name, "OU=worker")}", tls.Certificate.Subject);
                Assert.Contains($"/etc/oakestra/tls/{name}.key", compose);
            }

            // The API's certificate is for the address the host's `oak` dials (docker/oak: https://127.0.0.1:10000) and chains to ca.pem.
            using var api = X509Certificate2.CreateFromPemFile(Path.Combine(dir, "api.pem"), Path.Combine(dir, "api.key"));
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "ca.pem")));
            Assert.True(api.MatchesHostname("127.0.0.1"));
            Assert.True(api.MatchesHostname("10.99.83.1"));
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(api), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
            Assert.Equal(43, File.ReadAllText(Path.Combine(dir, "api-token")).Trim().Length); // 256 bits, base64url
            // The CA's key is gone: nothing else can be signed with this CA.
            Assert.Empty(Directory.GetFiles(dir, "ca.key"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
