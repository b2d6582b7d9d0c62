namespace Oakestra.Actors.EndToEnd.Tests.Support;

/// <summary>API answers shaped as docs/API.md shows them.</summary>
public static class Canned
{
    public const string DemoId = "demo.lab.demo.lab";
    public const string ClientId = "demo.lab.client.lab";

    public static string Instance(string serviceId, int n, string status, string? node, string ip4, string? nsIp = null) => $$"""
        {"id":"{{serviceId}}.{{n}}","service_id":"{{serviceId}}","number":{{n}},"status":"{{status}}",
         "instance_ipv4":"{{ip4}}","instance_ipv6":"fdff::{{n + 10}}","epoch":1,
         "placement":{{(node is null ? "null" : $$"""{"cluster":"site1","node":"{{node}}","namespace_ipv4":"{{nsIp ?? "10.18.0.2"}}","namespace_ipv6":"fc00::2","tunnel_endpoint":"10.99.0.3:50103","epoch":1}""")}},
         "migration_target":null}
        """;

    public static string Service(string id, string rr4, string closest4, params string[] instances)
    {
        var p = id.Split('.');
        return $$"""
        {"id":"{{id}}","application":"{{p[0]}}","application_namespace":"{{p[1]}}","name":"{{p[2]}}","namespace":"{{p[3]}}",
         "version":3,"code":"demo serve","port":8080,"virtualization":"process",
         "service_ips":[{"policy":"round_robin","ipv4":"{{rr4}}","ipv6":"fdff:2000::1"},{"policy":"closest","ipv4":"{{closest4}}","ipv6":"fdff:1000::1"}],
         "instances":[{{string.Join(",", instances)}}]}
        """;
    }

    public const string Nodes = """
        [{"cluster":"site1","node":"w1","subnet_v4":"10.18.0.0/26","subnet_v6":"fc00::/120","status":"Ready","instances":2,"latitude":48.1372,"longitude":11.5756,"tunnel_endpoint":"10.99.0.3:50103"},
         {"cluster":"site1","node":"w2","subnet_v4":"10.18.0.64/26","subnet_v6":"fc00::100/120","status":"Ready","instances":1,"latitude":48.7758,"longitude":9.1829,"tunnel_endpoint":"10.99.0.4:50103"}]
        """;

    public static string Error(string message, string? field = null, string? rule = null) =>
        System.Text.Json.JsonSerializer.Serialize(new { error = message, field, rule });
}
