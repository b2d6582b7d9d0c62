using System.Text.Json.Nodes;
using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>`oak logs` and what `oak deploy` says about SLA fields the root ignored, against canned answers.</summary>
public class LogsAndIgnoredFieldsTests
{
    private const string Id = "demo.lab.demo.lab.0";

    [Fact]
    public async Task Logs_asks_the_root_with_tail_and_follow_and_prints_the_text_unchanged()
    {
        using var root = new FakeRoot().On("GET", $"/api/v1/instances/{Id}/logs", 200, "line 1\nline ✓ 2\n");
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "logs", Id, "-f", "--tail", "5");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("line 1\nline ✓ 2\n", r.Out);
        lock (root.Requests) Assert.Equal("?tail=5&follow=true", root.Queries[root.Requests.FindIndex(x => x.Path.EndsWith("/logs", StringComparison.Ordinal))]);
    }

    [Fact]
    public async Task Logs_of_an_unknown_instance_fails_with_the_roots_404()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/instances/x.y.z.w.0/logs", 404, """{"error":"no instance x.y.z.w.0","field":"id","rule":null}""");
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "logs", "x.y.z.w.0");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("oak: 404 Not Found: no instance x.y.z.w.0 (field: id)", Assert.Single(r.ErrLines));
    }

    [Theory]
    [InlineData("--tail", "-1")]
    [InlineData("--tail", "many")]
    public async Task Logs_refuses_a_tail_that_is_no_count(string option, string value)
    {
        using var root = new FakeRoot();
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "logs", Id, option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(root.Requests);
    }

    [Fact]
    public async Task Usage_lists_logs()
    {
        using var oak = new Oak();
        var r = await oak.RunAsync("--help");
        Assert.Contains(r.Out.Split('\n'), l => l.TrimStart().StartsWith("logs <instance> [-f] [--tail N]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deploy_says_which_fields_were_ignored_and_places_a_node_list_as_one_instance()
    {
        var sla = """
            {"sla_version":"v2.0","customerID":"Admin","applications":[{"application_name":"demo","application_namespace":"lab","microservices":[
              {"microservice_name":"demo","microservice_namespace":"lab","code":"x","vgpus":1,"constraints":[{"type":"direct","node":"w2;w3"}]}]}]}
            """;
        var service = Canned.Service(Canned.DemoId, "10.30.0.1", "10.30.0.2");
        using var root = new FakeRoot()
            .On("POST", "/api/v1/applications", 201,
                $$"""{"services":[{{service}}],"applications":[],"ignored_fields":[{"field":"applications[0].microservices[0].vgpus","reason":"no GPUs are scheduled"}]}""")
            .On("POST", $"/api/v1/services/{Canned.DemoId}/instances", 201, "[]")
            .On("GET", $"/api/v1/services/{Canned.DemoId}", 200, service);
        using var oak = new Oak();
        var file = Path.Combine(oak.RepoRoot, "sla.json");
        await File.WriteAllTextAsync(file, sla);

        var r = await oak.RunAsync("--root", root.Url, "deploy", file);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("oak: ignored applications[0].microservices[0].vgpus: no GPUs are scheduled", r.ErrLines);
        // "w2;w3" is "any of them": one instance, the root picks the node.
        var posted = root.Sent("POST", $"/api/v1/services/{Canned.DemoId}/instances").Select(x => JsonNode.Parse(x.Body)!["node"]?.GetValue<string>());
        Assert.Equal([null], posted);
    }
}
