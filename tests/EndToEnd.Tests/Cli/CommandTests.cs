using System.Text.Json;
using System.Text.Json.Nodes;
using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>What each command sends to the root and what it prints, against canned answers.</summary>
public class CommandTests
{
    private static readonly string Demo = Canned.Service(Canned.DemoId, "10.30.0.1", "10.30.0.2",
        Canned.Instance(Canned.DemoId, 0, "Running", "w1", "10.30.0.3"),
        Canned.Instance(Canned.DemoId, 1, "Pending", null, "10.30.0.4"));

    [Fact]
    public async Task Services_table_shows_each_policy_with_its_addresses_and_running_count()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/services", 200, $"[{Demo}]");
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "services");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["SERVICE", "VERSION", "INSTANCES", "CLOSEST", "ROUND_ROBIN"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([Canned.DemoId, "3", "1/2", "10.30.0.2", "fdff:1000::1", "10.30.0.1", "fdff:2000::1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Json_mode_prints_the_roots_document_unchanged()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/services", 200, $"[{Demo}]");
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "services", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($"[{Demo}]"), JsonNode.Parse(r.Out)));
    }

    [Fact]
    public async Task Service_shows_service_ips_and_instances_with_their_placement()
    {
        using var root = new FakeRoot().On("GET", $"/api/v1/services/{Canned.DemoId}", 200, Demo);
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "service", Canned.DemoId);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(r.Out.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["round_robin", "10.30.0.1", "fdff:2000::1"]);
        Assert.Contains(r.Out.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [$"{Canned.DemoId}.0", "Running", "10.30.0.3", "fdff::10", "w1", "10.18.0.2", "1"]);
        Assert.Contains(r.Out.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [$"{Canned.DemoId}.1", "Pending", "10.30.0.4", "fdff::11", "-", "-", "1"]);
    }

    [Fact]
    public async Task Deploy_creates_the_services_then_one_instance_per_direct_constraint()
    {
        var sla = """
            {"sla_version":"v2.0","customerID":"Admin","applications":[{"application_name":"demo","application_namespace":"lab","microservices":[
              {"microservice_name":"client","microservice_namespace":"lab","code":"x","constraints":[{"type":"direct","node":"w1"}]},
              {"microservice_name":"demo","microservice_namespace":"lab","code":"x","constraints":[{"type":"direct","node":"w2"},{"type":"direct","node":"w3"}]},
              {"microservice_name":"free","microservice_namespace":"lab","code":"x"}]}]}
            """;
        var free = "demo.lab.free.lab";
        using var root = new FakeRoot()
            .On("POST", "/api/v1/applications", 201, $$"""{"services":[{{Canned.Service(Canned.ClientId, "10.30.0.9", "10.30.0.8")}},{{Demo}},{{Canned.Service(free, "10.30.0.7", "10.30.0.6")}}]}""")
            .On("POST", $"/api/v1/services/{Canned.ClientId}/instances", 201, "[]")
            .On("POST", $"/api/v1/services/{Canned.DemoId}/instances", 201, "[]")
            .On("POST", $"/api/v1/services/{free}/instances", 201, "[]")
            .On("GET", $"/api/v1/services/{Canned.ClientId}", 200, Canned.Service(Canned.ClientId, "10.30.0.9", "10.30.0.8"))
            .On("GET", $"/api/v1/services/{Canned.DemoId}", 200, Demo)
            .On("GET", $"/api/v1/services/{free}", 200, Canned.Service(free, "10.30.0.7", "10.30.0.6"));
        using var oak = new Oak();
        var file = Path.Combine(oak.RepoRoot, "sla.json");
        await File.WriteAllTextAsync(file, sla);

        var r = await oak.RunAsync("--root", root.Url, "deploy", file);

        Assert.Equal(0, r.ExitCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(sla), JsonNode.Parse(root.Sent("POST", "/api/v1/applications").Single().Body)));
        static string? Node(string body) => JsonNode.Parse(body)!["node"]?.GetValue<string>();
        static int Count(string body) => JsonNode.Parse(body)!["count"]!.GetValue<int>();
        Assert.Equal(["w1"], root.Sent("POST", $"/api/v1/services/{Canned.ClientId}/instances").Select(x => Node(x.Body)));
        Assert.Equal(["w2", "w3"], root.Sent("POST", $"/api/v1/services/{Canned.DemoId}/instances").Select(x => Node(x.Body)));
        Assert.Equal([null], root.Sent("POST", $"/api/v1/services/{free}/instances").Select(x => Node(x.Body)));
        Assert.All(root.Requests.Where(x => x.Path.EndsWith("/instances", StringComparison.Ordinal)), x => Assert.Equal(1, Count(x.Body)));
        Assert.Contains("deployed demo.lab.client.lab", r.Out);
        Assert.Contains("10.30.0.9", r.Out);
        Assert.Contains("10.30.0.2", r.Out);
    }

    private const string OneServiceSla = """
        {"sla_version":"v2.0","customerID":"Admin","applications":[{"application_name":"demo","application_namespace":"lab","microservices":[
          {"microservice_name":"demo","microservice_namespace":"lab","code":"x"}]}]}
        """;

    private static async Task<string> OneServiceSlaFile(Oak oak)
    {
        var file = Path.Combine(oak.RepoRoot, "sla.json");
        await File.WriteAllTextAsync(file, OneServiceSla);
        return file;
    }

    private static FakeRoot DeployingRoot(int applicationsStatus = 201) => new FakeRoot()
        .On("POST", "/api/v1/applications", applicationsStatus, applicationsStatus == 201 ? $$"""{"services":[{{Demo}}]}""" : """{"error":"the control plane did not answer","field":null,"rule":null}""")
        .On("POST", $"/api/v1/services/{Canned.DemoId}/instances", 201, "[]")
        .On("GET", $"/api/v1/services/{Canned.DemoId}", 200, Demo);

    [Fact]
    public async Task Deploy_with_an_idempotency_key_sends_it_and_the_same_derived_instance_keys_on_every_run()
    {
        using var root = DeployingRoot();
        using var oak = new Oak();
        var file = await OneServiceSlaFile(oak);

        Assert.Equal(0, (await oak.RunAsync("--root", root.Url, "deploy", file, "--idempotency-key", "release-42")).ExitCode);
        Assert.Equal(0, (await oak.RunAsync("--root", root.Url, "deploy", file, "--idempotency-key", "release-42")).ExitCode);

        var posts = root.Requests.Select((r, i) => (r, Key: root.IdempotencyKeys[i])).Where(x => x.r.Method == "POST").ToList();
        var apps = posts.Where(x => x.r.Path == "/api/v1/applications").Select(x => x.Key).ToList();
        var instances = posts.Where(x => x.r.Path.EndsWith("/instances", StringComparison.Ordinal)).Select(x => x.Key).ToList();
        Assert.Equal(["release-42", "release-42"], apps);
        Assert.Equal(2, instances.Count);
        Assert.Equal(instances[0], instances[1]); // the second run asks for the same instance, not another one
        Assert.StartsWith("release-42.", instances[0]);
        Assert.True(instances[0]!.Length <= 128);
    }

    [Fact]
    public async Task Deploy_with_retry_for_keeps_sending_the_same_keyed_request_while_the_root_answers_503()
    {
        using var root = DeployingRoot(applicationsStatus: 503);
        using var oak = new Oak();
        var file = await OneServiceSlaFile(oak);

        var run = oak.RunAsync("--root", root.Url, "deploy", file, "--retry-for", "30");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (root.Sent("POST", "/api/v1/applications").Count() < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
        root.On("POST", "/api/v1/applications", 201, $$"""{"services":[{{Demo}}]}"""); // the root is back
        var r = await run;

        Assert.Equal(0, r.ExitCode);
        List<string?> keys;
        lock (root.Requests) keys = root.Requests.Select((x, i) => (x, Key: root.IdempotencyKeys[i])).Where(x => x.x.Path == "/api/v1/applications").Select(x => x.Key).ToList();
        Assert.True(keys.Count >= 3, $"{keys.Count} POSTs");
        Assert.Single(keys.Distinct());
        Assert.NotNull(keys[0]);
    }

    [Fact]
    public async Task Deploy_without_retry_for_fails_on_a_503_at_once()
    {
        using var root = DeployingRoot(applicationsStatus: 503);
        using var oak = new Oak();
        var file = await OneServiceSlaFile(oak);
        var r = await oak.RunAsync("--root", root.Url, "deploy", file);
        Assert.Equal(1, r.ExitCode);
        Assert.Single(root.Sent("POST", "/api/v1/applications"));
        Assert.Contains("503", Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task Addresses_lists_each_held_address_with_its_owner_and_says_so_when_there_is_none()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/addresses/held", 200, """
            [{"pool":"service-v4","address":"10.30.0.1","kind":"service","owner":"demo.lab.demo.lab","policy":"round_robin"},
             {"pool":"instance-v6","address":"fdff::3","kind":"instance","owner":"demo.lab.demo.lab.0","policy":null}]
            """);
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "addresses");
        Assert.Equal(0, r.ExitCode);
        var rows = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["POOL", "ADDRESS", "KIND", "OWNER", "POLICY"], rows[0]);
        Assert.Equal(["service-v4", "10.30.0.1", "service", "demo.lab.demo.lab", "round_robin"], rows[1]);
        Assert.Equal(["instance-v6", "fdff::3", "instance", "demo.lab.demo.lab.0", "-"], rows[2]);

        root.On("GET", "/api/v1/addresses/held", 200, "[]");
        Assert.Equal("(no addresses)", (await oak.RunAsync("--root", root.Url, "addresses")).Out.Trim());
    }

    [Fact]
    public async Task Deploy_of_a_missing_file_fails_before_calling_the_root()
    {
        using var root = new FakeRoot();
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "deploy", "/nonexistent/sla.json");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("oak: no such file: /nonexistent/sla.json", Assert.Single(r.ErrLines));
        Assert.Empty(root.Requests);
    }

    [Fact]
    public async Task Scale_posts_replicas_and_node()
    {
        using var root = new FakeRoot().On("POST", $"/api/v1/services/{Canned.DemoId}/scale", 200, Demo);
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "scale", Canned.DemoId, "3", "--node", "w2");
        Assert.Equal(0, r.ExitCode);
        var body = JsonNode.Parse(root.Requests.Single().Body)!;
        Assert.Equal(3, body["replicas"]!.GetValue<int>());
        Assert.Equal("w2", body["node"]!.GetValue<string>());
    }

    [Fact]
    public async Task Undeploy_tells_instances_from_services_by_their_id()
    {
        using var root = new FakeRoot()
            .On("DELETE", $"/api/v1/instances/{Canned.DemoId}.1", 200, Canned.Instance(Canned.DemoId, 1, "Stopped", null, "10.30.0.4"))
            .On("DELETE", $"/api/v1/services/{Canned.DemoId}", 200, Demo);
        using var oak = new Oak();
        var one = await oak.RunAsync("--root", root.Url, "undeploy", $"{Canned.DemoId}.1");
        var all = await oak.RunAsync("--root", root.Url, "undeploy", Canned.DemoId);
        Assert.Equal((0, 0), (one.ExitCode, all.ExitCode));
        Assert.Equal([("DELETE", $"/api/v1/instances/{Canned.DemoId}.1"), ("DELETE", $"/api/v1/services/{Canned.DemoId}")],
            root.Requests.Select(x => (x.Method, x.Path)));
        Assert.Contains("Stopped", one.Out);
    }

    [Fact]
    public async Task Migrate_posts_the_target_node()
    {
        using var root = new FakeRoot().On("POST", $"/api/v1/instances/{Canned.DemoId}.0/migrate", 202, Canned.Instance(Canned.DemoId, 0, "Migrating", "w1", "10.30.0.3"));
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "migrate", $"{Canned.DemoId}.0", "--to", "w2");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("w2", JsonNode.Parse(root.Requests.Single().Body)!["target_node"]!.GetValue<string>());
        Assert.Contains("Migrating, w1 → w2", r.Out);
    }

    [Fact]
    public async Task Nodes_table_lists_subnets_coordinates_and_tunnels()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(r.Out.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["site1", "w2", "Ready", "10.18.0.64/26", "fc00::100/120", "1", "48.7758", "9.1829", "10.99.0.4:50103"]);
    }

    [Fact]
    public async Task Nodes_shows_a_refused_worker_and_why_under_the_table()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 200, """
            [{"cluster":"site1","node":"w1","subnet_v4":"10.18.0.0/26","subnet_v6":"fc00::/120","status":"Up","instances":0,"latitude":0,"longitude":0,"tunnel_endpoint":"10.99.0.3:50103"},
             {"cluster":"site1","node":"w9","subnet_v4":null,"subnet_v6":null,"status":"Refused","instances":0,"latitude":0,"longitude":0,"tunnel_endpoint":"w9.invalid:50103",
              "reason":"tunnel endpoint 'w9.invalid:50103' is not an address and w9.invalid does not resolve (HostNotFound)"}]
            """);
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(r.Out.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["site1", "w9", "Refused", "-", "-", "0", "0", "0", "w9.invalid:50103"]);
        Assert.Contains("site1/w9 refused: tunnel endpoint 'w9.invalid:50103' is not an address", r.Out);
    }

    [Fact]
    public async Task Table_renders_whatever_entries_the_worker_reports()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes/w1/table", 200, """
            {"node":"w1","version":7,"entries":[{"service_ip":"10.30.0.1","namespace_ip":"10.18.0.2","node":"w1"},{"service_ip":"10.30.0.1","namespace_ip":"10.18.0.66","node":"w2"}]}
            """);
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "table", "w1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("version: 7", r.Out);
        Assert.Contains(r.Out.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["SERVICE_IP", "NAMESPACE_IP", "NODE"]);
        Assert.Contains(r.Out.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["10.30.0.1", "10.18.0.66", "w2"]);
    }

    [Fact]
    public async Task Lab_place_puts_the_new_coordinates()
    {
        using var root = new FakeRoot().On("PUT", "/api/v1/nodes/w3/location", 200, "{}");
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "lab", "place", "w3", "-33.8688", "151.2093");
        Assert.Equal(0, r.ExitCode);
        var body = JsonNode.Parse(root.Requests.Single().Body)!;
        Assert.Equal(-33.8688, body["latitude"]!.GetValue<double>());
        Assert.Equal(151.2093, body["longitude"]!.GetValue<double>());
    }

    [Fact]
    public async Task Root_address_comes_from_option_then_env_then_lab_env_file()
    {
        using var fromFile = new FakeRoot().On("GET", "/api/v1/nodes", 200, "[]");
        using var fromEnv = new FakeRoot().On("GET", "/api/v1/nodes", 200, "[]");
        using var fromOption = new FakeRoot().On("GET", "/api/v1/nodes", 200, "[]");
        using var oak = new Oak();
        Directory.CreateDirectory(Path.Combine(oak.RepoRoot, ".lab"));
        await File.WriteAllTextAsync(Path.Combine(oak.RepoRoot, ".lab", "env"), $"# lab\nexport OAK_ROOT={fromFile.Url}\n");

        await oak.RunAsync("nodes");
        oak.Env["OAK_ROOT"] = fromEnv.Url;
        await oak.RunAsync("nodes");
        await oak.RunAsync("nodes", "--root", fromOption.Url);

        Assert.Equal([1, 1, 1], new[] { fromFile, fromEnv, fromOption }.Select(f => f.Requests.Count));
    }

    [Fact]
    public async Task Exec_names_the_namespace_from_placement_and_node_subnet()
    {
        // Instance on w2 (10.18.0.64/26) with Namespace IP 10.18.0.67 → host 3 → oakt-lab-w2-i3, which does not exist here.
        using var root = new FakeRoot()
            .On("GET", $"/api/v1/instances/{Canned.DemoId}.0", 200, Canned.Instance(Canned.DemoId, 0, "Running", "w2", "10.30.0.3", "10.18.0.67"))
            .On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        using var oak = new Oak();
        oak.Env["OAK_NETNS_PREFIX"] = "oakt-lab-";
        var r = await oak.RunAsync("--root", root.Url, "exec", $"{Canned.DemoId}.0", "--", "true");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"oak: network namespace oakt-lab-w2-i3 of instance {Canned.DemoId}.0 does not exist on this machine", Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task Exec_of_an_unplaced_instance_says_so()
    {
        using var root = new FakeRoot().On("GET", $"/api/v1/instances/{Canned.DemoId}.1", 200, Canned.Instance(Canned.DemoId, 1, "Pending", null, "10.30.0.4"));
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "exec", $"{Canned.DemoId}.1", "--", "true");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"oak: instance {Canned.DemoId}.1 is not placed on any node (status Pending)", Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task Deploy_json_output_is_one_document_with_the_services()
    {
        using var root = new FakeRoot()
            .On("POST", "/api/v1/applications", 201, $$"""{"services":[{{Demo}}]}""")
            .On("POST", $"/api/v1/services/{Canned.DemoId}/instances", 201, "[]")
            .On("GET", $"/api/v1/services/{Canned.DemoId}", 200, Demo);
        using var oak = new Oak();
        var file = Path.Combine(oak.RepoRoot, "sla.json");
        await File.WriteAllTextAsync(file, """{"sla_version":"v2.0","applications":[]}""");
        var r = await oak.RunAsync("--root", root.Url, "--json", "deploy", file);
        Assert.Equal(0, r.ExitCode);
        var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(Canned.DemoId, doc.RootElement.GetProperty("services")[0].GetProperty("id").GetString());
        Assert.Equal("10.30.0.1", doc.RootElement.GetProperty("services")[0].GetProperty("service_ips")[0].GetProperty("ipv4").GetString());
    }
}
