using System.Text.Json.Nodes;
using Oakestra.Actors.Cli;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Commands;
using Oakestra.Actors.Cli.Lab;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

public class DemoSlaTests
{
    private static string Template => File.ReadAllText(Path.Combine(RepoLocator.Find(_ => null)!, DemoRun.SlaTemplate));

    [Fact]
    public void Demo_sla_puts_a_client_on_w1_and_one_demo_instance_on_each_of_three_workers()
    {
        var sla = DemoRun.RenderSla(Template, "dotnet /x/Demo.dll", LabLayout.Create(3, 1));
        var nodes = Deployer.DirectNodes(sla);
        Assert.Equal(["w1"], nodes["demo.lab.client.lab"]);
        Assert.Equal(["w1", "w2", "w3"], nodes["demo.lab.demo.lab"]);
        var ms = JsonNode.Parse(sla)!["applications"]![0]!["microservices"]!.AsArray();
        Assert.All(ms, m => Assert.Equal("dotnet /x/Demo.dll serve --port 8080", m!["code"]!.GetValue<string>()));
        Assert.Equal("v2.0", JsonNode.Parse(sla)!["sla_version"]!.GetValue<string>());
    }

    [Fact]
    public void Constraints_get_the_site_of_their_worker()
    {
        var sla = DemoRun.RenderSla(Template, "demo", LabLayout.Create(3, 2));
        var demo = JsonNode.Parse(sla)!["applications"]![0]!["microservices"]![1]!;
        Assert.Equal(["site1", "site2", "site1"], demo["constraints"]!.AsArray().Select(c => c!["cluster"]!.GetValue<string>()));
    }

    [Fact]
    public void A_lab_without_w3_cannot_run_the_demo()
    {
        var e = Assert.Throws<CliFailure>(() => DemoRun.RenderSla(Template, "demo", LabLayout.Create(2, 1)));
        Assert.Contains("w3", e.Message);
    }
}
