using Oakestra.Actors.Cli;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.Cli.Parsing;
using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>Where `oak` finds the API token: --token, OAK_TOKEN, the config file, the lab's state, in that order.</summary>
public sealed class TokenLookupTests : IDisposable
{
    private readonly Oak _oak = new();
    private readonly string _home = Directory.CreateTempSubdirectory("oakt-home-").FullName;

    public TokenLookupTests() => _oak.Env["HOME"] = _home;

    public void Dispose()
    {
        _oak.Dispose();
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }

    private RootCredentials Resolve(params string[] args) =>
        RootCredentials.Resolve(ArgParser.Parse([.. args, "nodes"]),
            new CliContext(TextWriter.Null, TextWriter.Null, k => _oak.Env.GetValueOrDefault(k), _oak.RepoRoot));

    private void ConfigFile(string text)
    {
        Directory.CreateDirectory(Path.Combine(_home, ".config", "oak"));
        File.WriteAllText(Path.Combine(_home, ".config", "oak", "config"), text);
    }

    private void LabToken(string token)
    {
        var paths = new LabPaths(_oak.RepoRoot);
        Directory.CreateDirectory(paths.Dir);
        File.WriteAllText(paths.ApiToken, token + "\n");
    }

    [Fact]
    public void Each_place_wins_over_the_ones_after_it()
    {
        LabToken("from-the-lab");
        Assert.Equal(("from-the-lab", ".lab/api-token"), (Resolve().Token, Resolve().TokenSource));
        ConfigFile("# mine\nroot = https://root.example:10000\ntoken = from-the-config\n");
        Assert.Equal(("from-the-config", "~/.config/oak/config (token =)"), (Resolve().Token, Resolve().TokenSource));
        _oak.Env["OAK_TOKEN"] = "from-the-env";
        Assert.Equal(("from-the-env", "OAK_TOKEN"), (Resolve().Token, Resolve().TokenSource));
        Assert.Equal(("from-the-flag", "--token"), (Resolve("--token", "from-the-flag").Token, Resolve("--token", "from-the-flag").TokenSource));
    }

    [Fact]
    public void Oak_config_names_another_file_and_xdg_config_home_moves_the_default()
    {
        var other = Path.Combine(_home, "deployment.conf");
        File.WriteAllText(other, "token=from-oak-config\n");
        _oak.Env["OAK_CONFIG"] = other;
        Assert.Equal("from-oak-config", Resolve().Token);
        _oak.Env.Remove("OAK_CONFIG");
        _oak.Env["XDG_CONFIG_HOME"] = Path.Combine(_home, "xdg");
        Directory.CreateDirectory(Path.Combine(_home, "xdg", "oak"));
        File.WriteAllText(Path.Combine(_home, "xdg", "oak", "config"), "token = from-xdg\n");
        Assert.Equal("from-xdg", Resolve().Token);
    }

    [Fact]
    public void Without_a_token_anywhere_none_is_sent_and_every_place_is_listed()
    {
        var c = Resolve();
        Assert.Null(c.Token);
        Assert.Equal(["--token", "OAK_TOKEN", "~/.config/oak/config (token =)", ".lab/api-token"], c.Looked);
    }

    [Fact]
    public async Task The_token_goes_out_as_a_bearer_header()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        _oak.Env["OAK_TOKEN"] = "sekrit-token-from-env";
        Assert.Equal(0, (await _oak.RunAsync("--root", root.Url, "nodes")).ExitCode);
        Assert.Equal("Bearer sekrit-token-from-env", Assert.Single(root.Authorizations));
    }

    [Fact]
    public async Task After_lab_up_the_labs_token_is_sent_with_no_extra_step()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        LabToken("token-of-the-lab");
        Assert.Equal(0, (await _oak.RunAsync("--root", root.Url, "nodes")).ExitCode);
        Assert.Equal("Bearer token-of-the-lab", Assert.Single(root.Authorizations));
    }

    [Fact]
    public async Task A_401_without_a_token_says_where_oak_looked()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 401, Canned.Error("no API token", "Authorization", "token"));
        var r = await _oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.ErrLines);
        Assert.StartsWith("oak: 401 Unauthorized: no API token was sent; oak looked in --token, OAK_TOKEN, ~/.config/oak/config (token =), .lab/api-token", line);
        Assert.Null(Assert.Single(root.Authorizations));
    }

    [Fact]
    public async Task A_401_with_a_token_names_where_it_came_from()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 401, Canned.Error("the API token was not accepted", "Authorization", "token"));
        ConfigFile("token = stale-token\n");
        var r = await _oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("oak: 401 Unauthorized: the root did not accept the token from ~/.config/oak/config (token =)", Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task The_config_files_root_stands_where_oak_root_would()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        ConfigFile($"root = {root.Url}\ntoken = t\n");
        Assert.Equal(0, (await _oak.RunAsync("nodes")).ExitCode);
        Assert.Single(root.Requests);
    }

    [Fact]
    public async Task A_broken_config_line_is_one_clear_failure()
    {
        ConfigFile("token\n");
        var r = await _oak.RunAsync("nodes");
        Assert.Equal(1, r.ExitCode);
        Assert.EndsWith("config:1: expected 'key = value', got 'token'", Assert.Single(r.ErrLines));
    }
}
