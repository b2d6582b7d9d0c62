using System.Net;
using Oakestra.Actors.Root.Api.Sla;

namespace Oakestra.Actors.Root.Tests.Sla;

/// <summary>The SLA v2.0 document as the reference writes it, and every rule the root checks.</summary>
public sealed class SlaParserTests
{
    private readonly SlaParser _parser = new();

    private const string Reference = """
        {
          "sla_version": "v2.0",
          "customerID": "Admin",
          "applications": [
            {
              "applicationID": "",
              "application_name": "clientsrvr",
              "application_namespace": "test",
              "application_desc": "Simple demo with curl client and Nginx server",
              "microservices": [
                {
                  "microserviceID": "",
                  "microservice_name": "curl",
                  "microservice_namespace": "test",
                  "virtualization": "container",
                  "cmd": ["sh", "-c", "curl 10.30.55.55 ; sleep 5"],
                  "memory": 100, "vcpus": 1, "vgpus": 0, "vtpus": 0, "bandwidth_in": 0, "bandwidth_out": 0, "storage": 0,
                  "code": "docker.io/curlimages/curl:7.82.0",
                  "state": "",
                  "port": "",
                  "added_files": [],
                  "constraints": [{"type": "direct", "node": "w1", "cluster": "site1"}]
                },
                {
                  "microserviceID": "",
                  "microservice_name": "nginx",
                  "microservice_namespace": "test",
                  "virtualization": "container",
                  "cmd": [],
                  "memory": 100, "vcpus": 1, "vgpus": 0, "vtpus": 0, "bandwidth_in": 0, "bandwidth_out": 0, "storage": 0,
                  "code": "docker.io/library/nginx:latest",
                  "state": "",
                  "port": "9080:80",
                  "addresses": {"rr_ip": "10.30.55.55", "rr_ip_v6": "fdff:2000::55", "closest_ip": "10.30.55.56", "closest_ip_v6": "fdff:1000::56"},
                  "added_files": []
                }
              ]
            }
          ]
        }
        """;

    [Fact]
    public void The_reference_document_is_read_unchanged()
    {
        var r = _parser.Parse(Reference);
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        Assert.Equal(["clientsrvr.test.curl.test", "clientsrvr.test.nginx.test"], r.Services.Select(s => s.Id));
        var curl = r.Services[0];
        Assert.Null(curl.Port);
        Assert.Equal("w1", curl.ConstraintNode);
        Assert.Equal("site1", curl.ConstraintCluster);
        Assert.Empty(curl.RequestedAddresses);
        var nginx = r.Services[1];
        Assert.Equal(80, nginx.Port); // the instance's side of "host:instance"
        Assert.Equal("docker.io/library/nginx:latest", nginx.Code);
        Assert.Equal(IPAddress.Parse("10.30.55.55"), nginx.RequestedAddresses["rr_ip"]);
        Assert.Equal(IPAddress.Parse("fdff:2000::55"), nginx.RequestedAddresses["rr_ip_v6"]);
        Assert.Equal(IPAddress.Parse("10.30.55.56"), nginx.RequestedAddresses["closest_ip"]);
        Assert.Equal(IPAddress.Parse("fdff:1000::56"), nginx.RequestedAddresses["closest_ip_v6"]);
        Assert.Equal("applications[0].microservices[1]", nginx.Path);
    }

    [Fact]
    public void Cmd_and_environment_are_kept_for_the_runtime()
    {
        var r = _parser.Parse(Doc(ms: """{"microservice_name":"m","microservice_namespace":"x","virtualization":"container","code":"docker.io/library/nginx:latest","cmd":["nginx","-g","daemon off;"],"environment":["A=1","B=x=y"]}"""));
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        var s = r.Services[0];
        Assert.Equal("container", s.Virtualization);
        Assert.Equal(["nginx", "-g", "daemon off;"], s.Command);
        Assert.Equal(["A=1", "B=x=y"], s.Environment);
    }

    [Theory]
    [InlineData("unikernel")]
    [InlineData("runsc")]
    [InlineData("docker")]
    public void An_unsupported_virtualization_is_refused_naming_the_field_and_the_supported_values(string virtualization)
    {
        var r = _parser.Parse(Doc(ms: $$"""{"microservice_name":"m","microservice_namespace":"x","code":"c","virtualization":"{{virtualization}}"}"""));
        Assert.False(r.Ok);
        Assert.Equal("applications[0].microservices[0].virtualization", r.Errors[0].Field);
        Assert.Contains("\"process\", \"container\"", r.Errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"cmd\":\"sh\"", "applications[0].microservices[0].cmd")]
    [InlineData("\"environment\":[\"NOEQUALS\"]", "applications[0].microservices[0].environment[0]")]
    [InlineData("\"environment\":[\"=v\"]", "applications[0].microservices[0].environment[0]")]
    [InlineData("\"cmd\":[1]", "applications[0].microservices[0].cmd[0]")]
    public void Malformed_cmd_or_environment_is_refused_naming_the_field(string property, string field)
    {
        var r = _parser.Parse(Doc(ms: $$"""{"microservice_name":"m","microservice_namespace":"x","code":"c",{{property}}}"""));
        Assert.False(r.Ok);
        Assert.Equal(field, r.Errors[0].Field);
    }

    [Theory]
    [InlineData("80", 80)]
    [InlineData("\"8080\"", 8080)]
    [InlineData("\"9080:80\"", 80)]
    [InlineData("\"8080:80/tcp\"", 80)]
    [InlineData("65535", 65535)]
    [InlineData("1", 1)]
    public void Ports_are_read_in_every_form_the_reference_writes(string port, int expected)
    {
        var r = _parser.Parse(Doc(ms: $$"""{"microservice_name":"m","microservice_namespace":"x","code":"c","port":{{port}}}"""));
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        Assert.Equal(expected, r.Services[0].Port);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("\"80:0\"")]
    [InlineData("\"http\"")]
    [InlineData("8.5")]
    [InlineData("true")]
    public void Ports_outside_1_to_65535_are_refused(string port)
    {
        var r = _parser.Parse(Doc(ms: $$"""{"microservice_name":"m","microservice_namespace":"x","code":"c","port":{{port}}}"""));
        Assert.False(r.Ok);
        Assert.Equal("applications[0].microservices[0].port", r.Errors[0].Field);
        Assert.Equal("port", r.Errors[0].Rule);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123")] // 30
    [InlineData("ABC123")]
    public void Names_of_1_to_30_alphanumerics_are_accepted(string name) =>
        Assert.True(_parser.Parse(Doc(app: name)).Ok);

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghijklmnopqrstuvwxyz01234")] // 31
    [InlineData("my-app")]
    [InlineData("my_app")]
    [InlineData("my.app")]
    [InlineData("müller")]
    [InlineData("a b")]
    public void Other_names_are_refused_with_the_field_named(string name)
    {
        var r = _parser.Parse(Doc(app: name));
        Assert.False(r.Ok);
        Assert.Equal("applications[0].application_name", r.Errors[0].Field);
        Assert.Equal("name", r.Errors[0].Rule);
    }

    [Theory]
    [InlineData("rr_ip", "10.29.255.255", "range")]
    [InlineData("rr_ip", "10.30.1", "ipv4")]
    [InlineData("closest_ip", "fdff:2000::1", "ipv4")]
    [InlineData("rr_ip_v6", "fdff:1000::1", "range")]
    [InlineData("rr_ip_v6", "fdff:2800::1", "range")]
    [InlineData("closest_ip_v6", "fdff:2000::1", "range")]
    [InlineData("closest_ip_v6", "10.30.0.1", "ipv6")]
    public void Requested_addresses_must_be_in_their_policys_range(string field, string address, string rule)
    {
        var r = _parser.Parse(Doc(ms: $$$"""{"microservice_name":"m","microservice_namespace":"x","code":"c","addresses":{"{{{field}}}":"{{{address}}}"}}"""));
        Assert.False(r.Ok);
        Assert.Equal($"applications[0].microservices[0].addresses.{field}", r.Errors[0].Field);
        Assert.Equal(rule, r.Errors[0].Rule);
    }

    [Fact]
    public void The_edges_of_each_range_are_accepted()
    {
        var r = _parser.Parse(Doc(ms: """{"microservice_name":"m","microservice_namespace":"x","code":"c","addresses":{"rr_ip":"10.30.255.254","rr_ip_v6":"fdff:27ff:ffff:ffff:ffff:ffff:ffff:fffe","closest_ip_v6":"fdff:1000::2"}}"""));
        Assert.True(r.Ok, string.Join("; ", r.Errors));
    }

    [Fact]
    public void The_same_address_asked_for_twice_in_one_document_is_refused()
    {
        var r = _parser.Parse(Doc(ms: """
            {"microservice_name":"a","microservice_namespace":"x","code":"c","addresses":{"rr_ip":"10.30.3.3"}},
            {"microservice_name":"b","microservice_namespace":"x","code":"c","addresses":{"closest_ip":"10.30.3.3"}}
            """));
        Assert.False(r.Ok);
        Assert.Equal("applications[0].microservices[1].addresses.closest_ip", r.Errors[0].Field);
        Assert.Equal("duplicate", r.Errors[0].Rule);
    }

    [Fact]
    public void The_same_service_in_two_applications_entries_is_refused()
    {
        var app = """{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c"}]}""";
        var r = _parser.Parse("{\"sla_version\":\"v2.0\",\"applications\":[" + app + "," + app + "]}");
        Assert.False(r.Ok);
        Assert.Equal("applications[1].microservices[0].microservice_name", r.Errors[0].Field);
    }

    [Fact]
    public void Every_broken_rule_is_reported_not_only_the_first()
    {
        var r = _parser.Parse("""{"sla_version":"v3","applications":[{"application_name":"a!","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"","port":0}]}]}""");
        Assert.Equal(
            ["sla_version", "applications[0].application_name", "applications[0].microservices[0].code", "applications[0].microservices[0].port"],
            r.Errors.Select(e => e.Field));
        Assert.Empty(r.Services);
    }

    [Theory]
    [InlineData("[]", "$")]
    [InlineData("\"v2.0\"", "$")]
    [InlineData("{\"sla_version\":2,\"applications\":[]}", "sla_version")]
    [InlineData("{\"sla_version\":\"v2.0\",\"applications\":[]}", "applications")]
    [InlineData("{\"sla_version\":\"v2.0\",\"applications\":[5]}", "applications[0]")]
    public void Wrong_shapes_name_their_path(string json, string field)
    {
        var r = _parser.Parse(json);
        Assert.False(r.Ok);
        Assert.Equal(field, r.Errors[0].Field);
    }

    [Fact]
    public void Text_that_is_not_json_has_no_field_but_a_json_rule()
    {
        var r = _parser.Parse("sla_version: v2.0");
        Assert.Null(r.Errors.Single().Field);
        Assert.Equal("json", r.Errors[0].Rule);
    }

    private static string Doc(string app = "app", string? ms = null) =>
        $$$"""{"sla_version":"v2.0","applications":[{"application_name":"{{{app}}}","application_namespace":"x","microservices":[{{{ms ?? """{"microservice_name":"m","microservice_namespace":"x","code":"c"}"""}}}]}]}""";
}
