using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>`oak` over HTTPS trusts exactly the CA it was given (the lab's by default), not any certificate.</summary>
public sealed class RootTlsTests : IDisposable
{
    private readonly Oak _oak = new();
    private readonly LabPaths _lab;

    public RootTlsTests()
    {
        _lab = new LabPaths(_oak.RepoRoot);
        Directory.CreateDirectory(_lab.Dir);
        LabTls.Create(_lab, Roots("127.0.0.1"));
    }

    public void Dispose()
    {
        _oak.Dispose();
        foreach (var other in _others) other.Dispose();
    }

    private readonly List<Oak> _others = [];

    /// <summary>The TLS files of another lab (another CA), issued for <paramref name="addresses"/>.</summary>
    private static IReadOnlyList<LabNode> Roots(params string[] addresses) =>
        addresses.Select((a, i) => new LabNode(i == 0 ? "root" : $"root{i + 1}", LabRole.Root, a, "", 0, 0)).ToList();

    private LabPaths OtherLab(params string[] addresses)
    {
        var other = new Oak();
        _others.Add(other);
        var lab = new LabPaths(other.RepoRoot);
        Directory.CreateDirectory(lab.Dir);
        LabTls.Create(lab, Roots(addresses));
        return lab;
    }

    [Fact]
    public async Task A_root_with_the_labs_certificate_is_trusted_through_the_labs_ca()
    {
        using var root = new TlsFakeRoot(_lab.TlsCertificate, _lab.TlsKey, Canned.Nodes);
        var r = await _oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("w2", r.Out);
    }

    [Fact]
    public async Task A_certificate_of_another_ca_is_refused_naming_the_ca_oak_trusted()
    {
        var otherLab = OtherLab("127.0.0.1");
        using var root = new TlsFakeRoot(otherLab.TlsCertificate, otherLab.TlsKey, Canned.Nodes);
        var r = await _oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"oak: root not reachable at {root.Url}: TLS: the root's certificate is not signed by the CA from .lab/tls/ca.pem for this address", Assert.Single(r.ErrLines));
        Assert.Equal(0, root.Answered);
    }

    [Fact]
    public async Task A_certificate_for_another_address_is_refused()
    {
        // Signed by a CA we then trust via --ca, but issued for 10.99.0.1, not 127.0.0.1.
        var otherLab = OtherLab("10.99.0.1");
        using var root = new TlsFakeRoot(otherLab.TlsCertificate, otherLab.TlsKey, Canned.Nodes);
        var r = await _oak.RunAsync("--root", root.Url, "--ca", otherLab.TlsCa, "nodes");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("TLS: the root's certificate is not signed by the CA from --ca for this address", Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task Without_a_ca_the_system_store_decides_and_a_private_ca_is_not_in_it()
    {
        Directory.Delete(_lab.Tls, recursive: true);
        var otherLab = OtherLab("127.0.0.1");
        using var root = new TlsFakeRoot(otherLab.TlsCertificate, otherLab.TlsKey, Canned.Nodes);
        var r = await _oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("TLS: the root's certificate is not trusted by this machine", Assert.Single(r.ErrLines));
    }

    [Fact]
    public void The_key_is_0600_and_the_cas_key_is_nowhere()
    {
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_lab.TlsKey));
        Assert.Equal(["ca.pem", "root.key", "root.pem"], Directory.GetFiles(_lab.Tls).Select(Path.GetFileName).Order());
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(_lab.TlsCa));
    }
}
