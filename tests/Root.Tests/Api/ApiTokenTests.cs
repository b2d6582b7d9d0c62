using Oakestra.Actors.Root.Api.Trust;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>Where the root's token comes from, and how it is compared.</summary>
public sealed class ApiTokenTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("oakt-token-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void First_start_creates_a_0600_file_in_the_data_dir_and_the_next_start_reads_it()
    {
        var first = ApiToken.Resolve(ApiSettings.Default, _dir);
        var file = Path.Combine(_dir, "api-token");
        Assert.True(first.Created);
        Assert.Equal(file, first.Source);
        Assert.True(first.Value.Length >= 43);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var second = ApiToken.Resolve(ApiSettings.Default, _dir);
        Assert.False(second.Created);
        Assert.Equal(first.Value, second.Value);
    }

    [Fact]
    public void A_configured_token_wins_and_no_file_is_made()
    {
        var t = ApiToken.Resolve(ApiSettings.Default with { Token = "configured-token-0123456789" }, _dir);
        Assert.Equal(("configured-token-0123456789", "Oak:Api:Token"), (t.Value, t.Source));
        Assert.False(File.Exists(Path.Combine(_dir, "api-token")));
    }

    [Fact]
    public void A_token_file_elsewhere_is_read_or_created_there()
    {
        var file = Path.Combine(_dir, "shared", "token");
        var made = ApiToken.Resolve(ApiSettings.Default with { TokenFile = file }, Path.Combine(_dir, "data"));
        Assert.Equal(file, made.Source);
        Assert.Equal(made.Value, File.ReadAllText(file).Trim());
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space in it somewhere")]
    public void A_weak_configured_token_stops_the_start(string token) =>
        Assert.Contains("at least 16 characters", Assert.Throws<InvalidOperationException>(
            () => ApiToken.Resolve(ApiSettings.Default with { Token = token }, _dir)).Message);

    [Fact]
    public void Matches_only_the_exact_token()
    {
        var t = new ApiToken("0123456789abcdef-token", "test", false);
        Assert.True(t.Matches("0123456789abcdef-token"));
        Assert.False(t.Matches("0123456789abcdef-toke"));
        Assert.False(t.Matches("0123456789abcdef-tokenX"));
        Assert.False(t.Matches(""));
    }

    [Fact]
    public void Allowed_hosts_are_loopback_and_the_listened_hosts()
    {
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "10.99.0.1", "[fd00::1]"],
            AllowedHosts.Default(["https://10.99.0.1:10000", "http://[fd00::1]:10000/"]));
        var wildcard = AllowedHosts.Default(["http://0.0.0.0:10000"]);
        Assert.Contains(System.Net.Dns.GetHostName(), wildcard);
        Assert.Contains("127.0.0.1", wildcard);
    }
}
