using Oakestra.Actors.Root.Api.Sla;
using Oakestra.Actors.Root.Entities.Services;

namespace Oakestra.Actors.Root.Tests.Sla;

/// <summary>
/// Oakestra's SLA fields as Oakestra means them (port mappings as its NodeEngine reads them, ';' node lists,
/// microservices: [], one_shot, memory/vcpus), and the ignored_fields that say what is accepted but does nothing.
/// </summary>
public sealed class OakestraFieldsTests
{
    private readonly SlaParser _parser = new();

    /// <summary>Oakestra's own example (root_orchestrator/system-manager-python/examples/curl.json), with a port list and a node list.</summary>
    public const string OakestraExample = """
        {
          "sla_version" : "v2.0",
          "customerID" : "Admin",
          "applications" : [
            {
              "applicationID" : "",
              "application_name" : "clientserver",
              "application_namespace" : "test",
              "application_desc" : "Simple demo with curl client and Nginx server",
              "microservices" : [
                {
                  "microserviceID": "",
                  "microservice_name": "curl",
                  "microservice_namespace": "test",
                  "virtualization": "container",
                  "cmd": ["sh", "-c", "tail -f /dev/null"],
                  "environment": ["MODE=client", "TARGET=10.30.30.30"],
                  "memory": 100,
                  "vcpus": 1,
                  "vgpus": 0,
                  "vtpus": 0,
                  "bandwidth_in": 0,
                  "bandwidth_out": 0,
                  "storage": 0,
                  "code": "docker.io/curlimages/curl:7.82.0",
                  "state": "",
                  "port": "9080",
                  "added_files": [],
                  "constraints": [{"type": "direct", "node": "w2;w3", "cluster": "site1"}]
                },
                {
                  "microserviceID": "",
                  "microservice_name": "nginx",
                  "microservice_namespace": "test",
                  "virtualization": "container",
                  "cmd": [],
                  "memory": 100,
                  "vcpus": 1,
                  "vgpus": 1,
                  "vtpus": 0,
                  "bandwidth_in": 0,
                  "bandwidth_out": 0,
                  "storage": 0,
                  "code": "docker.io/library/nginx:latest",
                  "state": "",
                  "port": "6080:60/tcp;5353:53/udp",
                  "one_shot": false,
                  "addresses": {
                    "rr_ip": "10.30.30.30"
                  },
                  "added_files": [],
                  "constraints": [{"type": "latency", "area": "munich", "threshold": 20}]
                }
              ]
            },
            {
              "application_name": "blank",
              "application_namespace": "test",
              "microservices": []
            }
          ]
        }
        """;

    [Fact]
    public void Oakestras_example_parses_with_its_port_mappings_node_list_cmd_environment_and_limits()
    {
        var r = _parser.Parse(OakestraExample);
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        var curl = r.Services.Single(s => s.Name == "curl");
        Assert.Equal(["sh", "-c", "tail -f /dev/null"], curl.Command);
        Assert.Equal(["MODE=client", "TARGET=10.30.30.30"], curl.Environment);
        Assert.Equal([new ServicePort(9080, 9080, "tcp")], curl.Ports);
        Assert.Equal(9080, curl.Port);
        Assert.Null(curl.ConstraintNode);
        Assert.Equal(["w2", "w3"], curl.ConstraintNodes);
        Assert.Equal("site1", curl.ConstraintCluster);
        Assert.Equal(100L * 1024 * 1024, curl.Limits!.MemoryBytes);
        Assert.Equal(1.0, curl.Limits.Vcpus);

        var nginx = r.Services.Single(s => s.Name == "nginx");
        // NodeEngine's "node:instance": the instance listens on 60; only the TCP mapping is a readiness check.
        Assert.Equal([new ServicePort(6080, 60, "tcp"), new ServicePort(5353, 53, "udp")], nginx.Ports);
        Assert.Equal(60, nginx.Port);
        Assert.Null(nginx.Command); // [] keeps the image's command
        Assert.False(nginx.OneShot);
    }

    [Fact]
    public void An_application_with_no_microservices_is_accepted_and_listed()
    {
        var r = _parser.Parse(OakestraExample);
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        var blank = r.Applications.Single(a => a.Name == "blank");
        Assert.Empty(blank.ServiceIds);
        Assert.Equal(["clientserver.test.curl.test", "clientserver.test.nginx.test"], r.Applications.Single(a => a.Name == "clientserver").ServiceIds);
    }

    [Fact]
    public void Ignored_fields_name_what_asks_for_something_and_is_not_acted_on()
    {
        var r = _parser.Parse(OakestraExample);
        var ignored = r.Ignored.ToDictionary(i => i.Field, i => i.Reason);
        Assert.Contains("applications[0].microservices[1].vgpus", ignored.Keys);
        Assert.Contains("not enforced", ignored["applications[0].microservices[1].constraints[0]"], StringComparison.Ordinal);
        Assert.Contains("9080/tcp", ignored["applications[0].microservices[0].port"], StringComparison.Ordinal);
        Assert.Contains("TCP port 60", ignored["applications[0].microservices[1].port"], StringComparison.Ordinal);
        // Zeros, empty strings and empty lists ask for nothing: oak-cli's template gives no noise.
        Assert.DoesNotContain("applications[0].microservices[0].vgpus", ignored.Keys);
        Assert.DoesNotContain("applications[0].microservices[0].state", ignored.Keys);
        Assert.DoesNotContain("applications[0].microservices[0].added_files", ignored.Keys);
        // Honoured fields and labels are never listed.
        Assert.DoesNotContain(ignored.Keys, k => k.EndsWith(".cmd", StringComparison.Ordinal) || k.EndsWith(".memory", StringComparison.Ordinal)
            || k.EndsWith(".environment", StringComparison.Ordinal) || k.EndsWith("application_desc", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_fields_and_a_process_cmd_are_listed_as_ignored()
    {
        var r = _parser.Parse(Doc("""{"microservice_name":"m","microservice_namespace":"x","code":"sleep 1","cmd":["ignored"],"colour":"blue","addresses":{"instances":[{"from":"a"}]}}"""));
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        var ignored = r.Ignored.ToDictionary(i => i.Field, i => i.Reason);
        Assert.Equal("not an Oakestra SLA field", ignored["applications[0].microservices[0].colour"]);
        Assert.Contains("whole command line", ignored["applications[0].microservices[0].cmd"], StringComparison.Ordinal);
        Assert.Contains("applications[0].microservices[0].addresses.instances", ignored.Keys);
    }

    [Theory]
    [InlineData("\"80\"", "80/tcp", 80)]
    [InlineData("\"8080:80\"", "8080:80/tcp", 80)]
    [InlineData("\"8080:80/udp\"", "8080:80/udp", null)]
    [InlineData("\"53/udp;8080:80\"", "53/udp,8080:80/tcp", 80)]
    [InlineData("\" 80 ; 81:82/TCP \"", "80/tcp,81:82/tcp", 80)]
    public void Port_mappings_are_read_as_oakestras_node_engine_reads_them(string port, string mappings, int? readiness)
    {
        var r = _parser.Parse(Doc($$"""{"microservice_name":"m","microservice_namespace":"x","code":"c","port":{{port}}}"""));
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        Assert.Equal(mappings, string.Join(",", r.Services[0].Ports!));
        Assert.Equal(readiness, r.Services[0].Port);
    }

    [Theory]
    [InlineData("\"80;\"")]
    [InlineData("\"80:80:80\"")]
    [InlineData("\"80/sctp\"")]
    [InlineData("\"80:80-80\"")]
    [InlineData("\"hello\"")]
    public void Malformed_port_mappings_are_refused_naming_the_field(string port)
    {
        var r = _parser.Parse(Doc($$"""{"microservice_name":"m","microservice_namespace":"x","code":"c","port":{{port}}}"""));
        Assert.False(r.Ok);
        Assert.Equal("applications[0].microservices[0].port", r.Errors[0].Field);
        Assert.Equal("port", r.Errors[0].Rule);
    }

    [Fact]
    public void Node_lists_are_split_on_semicolons_trimmed_and_deduplicated()
    {
        var r = _parser.Parse(Doc("""{"microservice_name":"m","microservice_namespace":"x","code":"c","constraints":[{"type":"direct","node":" w1; w2 ;w1;"},{"type":"direct","node":"w3"}]}"""));
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        Assert.Equal(["w1", "w2", "w3"], r.Services[0].ConstraintNodes);
        Assert.Null(r.Services[0].ConstraintNode);
    }

    [Fact]
    public void A_bad_name_in_a_node_list_is_refused_naming_the_field()
    {
        var r = _parser.Parse(Doc("""{"microservice_name":"m","microservice_namespace":"x","code":"c","constraints":[{"type":"direct","node":"w1;-bad"}]}"""));
        Assert.False(r.Ok);
        Assert.Equal("applications[0].microservices[0].constraints[0].node", r.Errors[0].Field);
        Assert.Equal("node_name", r.Errors[0].Rule);
    }

    [Theory]
    [InlineData("\"one_shot\":true", true)]
    [InlineData("\"one_shot\":false", false)]
    [InlineData("\"one_shot\":null", false)]
    public void One_shot_is_read(string property, bool expected)
    {
        var r = _parser.Parse(Doc($$"""{"microservice_name":"m","microservice_namespace":"x","code":"c",{{property}}}"""));
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        Assert.Equal(expected, r.Services[0].OneShot);
    }

    [Theory]
    [InlineData("\"one_shot\":\"yes\"", "one_shot", "boolean")]
    [InlineData("\"memory\":-1", "memory", "range")]
    [InlineData("\"memory\":\"100\"", "memory", "range")]
    [InlineData("\"vcpus\":-0.5", "vcpus", "range")]
    public void Malformed_one_shot_or_limits_are_refused_naming_the_field(string property, string field, string rule)
    {
        var r = _parser.Parse(Doc($$"""{"microservice_name":"m","microservice_namespace":"x","code":"c",{{property}}}"""));
        Assert.False(r.Ok);
        Assert.Equal($"applications[0].microservices[0].{field}", r.Errors[0].Field);
        Assert.Equal(rule, r.Errors[0].Rule);
    }

    [Fact]
    public void Memory_and_vcpus_of_zero_ask_for_no_limit()
    {
        var r = _parser.Parse(Doc("""{"microservice_name":"m","microservice_namespace":"x","code":"c","memory":0,"vcpus":0}"""));
        Assert.Null(r.Services[0].Limits);
        r = _parser.Parse(Doc("""{"microservice_name":"m","microservice_namespace":"x","code":"c","vcpus":0.5}"""));
        Assert.Equal(new Contracts.Protocol.InstanceLimits(null, 0.5), r.Services[0].Limits);
    }

    private static string Doc(string ms) =>
        $$"""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{{ms}}]}]}""";
}
