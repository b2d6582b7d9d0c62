using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

public class ArgParserTests
{
    [Fact]
    public void Options_flags_and_positionals_are_separated_wherever_they_stand()
    {
        var a = ArgParser.Parse(["--json", "scale", "demo.lab.demo.lab", "--node", "w2", "3", "--root=http://x:1"]);
        Assert.Equal(["scale", "demo.lab.demo.lab", "3"], a.Positionals);
        Assert.True(a.Json);
        Assert.Equal("w2", a.Option("node"));
        Assert.Equal("http://x:1", a.Options["root"]);
        Assert.Null(a.Passthrough);
    }

    [Fact]
    public void Everything_after_double_dash_goes_to_the_command_untouched()
    {
        var a = ArgParser.Parse(["exec", "a.b.c.d.0", "--", "curl", "-s", "--json", "http://10.30.0.1/"]);
        Assert.Equal(["exec", "a.b.c.d.0"], a.Positionals);
        Assert.False(a.Json);
        Assert.Equal(["curl", "-s", "--json", "http://10.30.0.1/"], a.Passthrough!);
    }

    [Fact]
    public void Negative_coordinates_are_positionals_not_options()
    {
        var a = ArgParser.Parse(["lab", "place", "w1", "-33.8688", "-151.2093"]);
        Assert.Equal(["lab", "place", "w1", "-33.8688", "-151.2093"], a.Positionals);
    }

    [Theory]
    [InlineData("--node")]
    [InlineData("-x")]
    [InlineData("--json=yes")]
    public void Malformed_options_are_usage_errors(string bad) =>
        Assert.Throws<UsageException>(() => ArgParser.Parse(["scale", "s", "1", bad]));

    [Fact]
    public void An_option_no_command_reads_is_rejected()
    {
        var a = ArgParser.Parse(["nodes", "--nodde", "w1"]);
        var e = Assert.Throws<UsageException>(a.RejectUnknownOptions);
        Assert.Contains("--nodde", e.Message);
    }
}
