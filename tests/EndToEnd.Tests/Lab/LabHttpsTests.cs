using Oakestra.Actors.Cli.Lab;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>`oak lab up` runs its roots on HTTPS with the lab's certificate and one token file for all of them.</summary>
public class LabHttpsTests
{
    [Fact]
    public void An_https_layout_gives_https_urls_and_the_roots_their_certificate_and_token_file()
    {
        var layout = LabLayout.Create(3, 1, roots: 2, tls: true);
        Assert.Equal(["https://10.99.0.1:10000", "https://10.99.0.202:10000"], layout.RootUrls);
        var paths = new LabPaths("/repo");
        var line = LabCommandLines.Root(layout, layout.Root, "Root.dll", paths);
        Assert.Contains("--urls=https://10.99.0.1:10000", line);
        Assert.Contains("--Oak:Api:TokenFile=/repo/.lab/api-token", line);
        Assert.Contains("--Oak:Api:Certificate:Path=/repo/.lab/tls/root.pem", line);
        Assert.Contains("--Oak:Api:Certificate:KeyPath=/repo/.lab/tls/root.key", line);
    }

    [Fact]
    public void Stand_in_layouts_stay_on_plain_http_without_certificate_switches()
    {
        var layout = LabLayout.Create(1, 1);
        Assert.Equal("http://10.99.0.1:10000", layout.RootUrl);
        Assert.DoesNotContain(LabCommandLines.Root(layout, layout.Root, "Root.dll", new LabPaths("/repo")), a => a.StartsWith("--Oak:Api:Certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void The_certificate_names_every_root_address_and_chains_to_the_labs_ca()
    {
        var dir = Directory.CreateTempSubdirectory("oakt-labtls-").FullName;
        try
        {
            var paths = new LabPaths(dir);
            LabTls.Create(paths, LabLayout.Create(1, 1, roots: 2, tls: true).Nodes);
            using var cert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(paths.TlsCertificate, paths.TlsKey);
            using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(paths.TlsCa));
            Assert.True(cert.MatchesHostname("10.99.0.1"));
            Assert.True(cert.MatchesHostname("10.99.0.202"));
            Assert.False(cert.MatchesHostname("10.99.0.2"));
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            Assert.True(chain.Build(cert));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
