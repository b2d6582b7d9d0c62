using System.Net;
using System.Text.Json;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>The HTTP API of docs/API.md against a running root, over real HTTP.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class HttpApiTests : IAsyncLifetime
{
    private RootProcess _root = null!;

    public async Task InitializeAsync() => _root = await RootProcess.StartAsync();

    public async Task DisposeAsync() => await _root.DisposeAsync();

    [Fact]
    public async Task Health_names_the_role()
    {
        var r = await _root.Http.GetAsync("/api/v1/health");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await _root.Json(r);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("root", body.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Deploy_get_scale_and_undeploy_round_trip()
    {
        var created = await _root.PostJson("/api/v1/applications", Slas.One("shop", addresses: """{"rr_ip":"10.30.7.7"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var service = (await _root.Json(created)).GetProperty("services")[0];
        var id = service.GetProperty("id").GetString()!;
        Assert.Equal(Slas.ServiceId("shop"), id);
        Assert.Equal(1, service.GetProperty("version").GetInt64());
        var ips = service.GetProperty("service_ips").EnumerateArray().ToDictionary(e => e.GetProperty("policy").GetString()!);
        Assert.Equal("10.30.7.7", ips["round_robin"].GetProperty("ipv4").GetString());
        Assert.StartsWith("fdff:2000:", ips["round_robin"].GetProperty("ipv6").GetString());
        Assert.StartsWith("fdff:1000:", ips["closest"].GetProperty("ipv6").GetString());
        Assert.Equal(0, service.GetProperty("instances").GetArrayLength());

        var deployed = await _root.PostJson($"/api/v1/services/{id}/instances", """{"count":2,"node":null}""");
        Assert.Equal(HttpStatusCode.Created, deployed.StatusCode);
        var instances = (await _root.Json(deployed)).EnumerateArray().ToArray();
        Assert.Equal([$"{id}.0", $"{id}.1"], instances.Select(i => i.GetProperty("id").GetString()));
        Assert.All(instances, i => Assert.Equal("Pending", i.GetProperty("status").GetString()));
        Assert.NotEqual(instances[0].GetProperty("instance_ipv4").GetString(), instances[1].GetProperty("instance_ipv4").GetString());

        var got = await _root.Json(await _root.Http.GetAsync($"/api/v1/services/{id}"));
        Assert.Equal(2, got.GetProperty("instances").GetArrayLength());
        Assert.Equal(2, got.GetProperty("version").GetInt64());

        var scaled = await _root.PostJson($"/api/v1/services/{id}/scale", """{"replicas":1}""");
        Assert.Equal(HttpStatusCode.OK, scaled.StatusCode);
        var afterScale = await _root.Json(scaled);
        Assert.Equal([$"{id}.0"], afterScale.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("id").GetString()));

        var instance = await _root.Json(await _root.Http.GetAsync($"/api/v1/instances/{id}.0"));
        Assert.Equal(id, instance.GetProperty("service_id").GetString());

        var list = await _root.Json(await _root.Http.GetAsync("/api/v1/services"));
        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("id").GetString() == id);

        var deleted = await _root.Http.DeleteAsync($"/api/v1/services/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var final = await _root.Json(deleted);
        Assert.All(final.GetProperty("instances").EnumerateArray(), i => Assert.Equal("Stopped", i.GetProperty("status").GetString()));

        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync($"/api/v1/services/{id}")).StatusCode);
        list = await _root.Json(await _root.Http.GetAsync("/api/v1/services"));
        Assert.DoesNotContain(list.EnumerateArray(), s => s.GetProperty("id").GetString() == id);
    }

    [Theory]
    [InlineData("""{"sla_version":"v1.0","applications":[]}""", "sla_version")]
    [InlineData("""{"applications":[]}""", "sla_version")]
    [InlineData("""{"sla_version":"v2.0"}""", "applications")]
    [InlineData("""{"sla_version":"v2.0","applications":{}}""", "applications")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a-b","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c"}]}]}""", "applications[0].application_name")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"0123456789012345678901234567890","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c"}]}]}""", "applications[0].application_namespace")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c"},{"microservice_name":"","microservice_namespace":"x","code":"c"}]}]}""", "applications[0].microservices[1].microservice_name")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":""}]}]}""", "applications[0].microservices[0].code")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x"}]}]}""", "applications[0].microservices[0].code")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c","port":70000}]}]}""", "applications[0].microservices[0].port")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c","addresses":{"rr_ip":"10.31.0.1"}}]}]}""", "applications[0].microservices[0].addresses.rr_ip")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c","addresses":{"rr_ip_v6":"fdff:1000::5"}}]}]}""", "applications[0].microservices[0].addresses.rr_ip_v6")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c","addresses":{"closest_ip":"banana"}}]}]}""", "applications[0].microservices[0].addresses.closest_ip")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c"},{"microservice_name":"m","microservice_namespace":"x","code":"c"}]}]}""", "applications[0].microservices[1].microservice_name")]
    [InlineData("""{"sla_version":"v2.0","applications":[{"application_name":"a","application_namespace":"x","microservices":[{"microservice_name":"m","microservice_namespace":"x","code":"c","virtualization":"unikernel"}]}]}""", "applications[0].microservices[0].virtualization")]
    public async Task Malformed_sla_is_a_400_naming_the_field(string sla, string field)
    {
        var r = await _root.PostJson("/api/v1/applications", sla);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var body = await _root.Json(r);
        Assert.Equal(field, body.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("rule").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        // Nothing was created.
        Assert.Equal(0, (await _root.Json(await _root.Http.GetAsync("/api/v1/services"))).GetArrayLength());
    }

    [Fact]
    public async Task Body_that_is_not_json_is_a_400()
    {
        var r = await _root.PostJson("/api/v1/applications", "{\"sla_version\": ");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("json", (await _root.Json(r)).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Requested_address_already_taken_is_a_409_naming_the_field()
    {
        Assert.Equal(HttpStatusCode.Created, (await _root.PostJson("/api/v1/applications", Slas.One("first", addresses: """{"rr_ip":"10.30.9.9"}"""))).StatusCode);
        var r = await _root.PostJson("/api/v1/applications", Slas.One("second", addresses: """{"rr_ip":"10.30.9.9"}"""));
        Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
        var body = await _root.Json(r);
        Assert.Equal("applications[0].microservices[0].addresses.rr_ip", body.GetProperty("field").GetString());
        Assert.Equal("taken", body.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Rejected_document_leaves_no_service_and_no_address_behind()
    {
        Assert.Equal(HttpStatusCode.Created, (await _root.PostJson("/api/v1/applications", Slas.One("holder", addresses: """{"closest_ip_v6":"fdff:1000::77"}"""))).StatusCode);
        var beforeV4 = await Preview("round_robin", 4);
        var beforeV6 = await Preview("round_robin", 6);

        // Two services; the second asks for an address the holder has: the first must not survive.
        var sla = """
            {"sla_version":"v2.0","applications":[{"application_name":"shop","application_namespace":"test","microservices":[
              {"microservice_name":"front","microservice_namespace":"test","code":"c"},
              {"microservice_name":"back","microservice_namespace":"test","code":"c","addresses":{"closest_ip_v6":"fdff:1000::77"}}]}]}
            """;
        var r = await _root.PostJson("/api/v1/applications", sla);
        Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
        Assert.Equal("applications[0].microservices[1].addresses.closest_ip_v6", (await _root.Json(r)).GetProperty("field").GetString());

        var services = await _root.Json(await _root.Http.GetAsync("/api/v1/services"));
        Assert.Equal(["holder.test.web.test"], services.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync("/api/v1/services/shop.test.front.test")).StatusCode);
        // Rolled back without quarantine: the next free addresses are the same as before.
        Assert.Equal(beforeV4, await Preview("round_robin", 4));
        Assert.Equal(beforeV6, await Preview("round_robin", 6));
    }

    [Fact]
    public async Task Unknown_ids_are_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync("/api/v1/services/no.such.service.here")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.DeleteAsync("/api/v1/services/no.such.service.here")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _root.PostJson("/api/v1/services/no.such.service.here/instances", """{"count":1}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync("/api/v1/instances/no.such.service.here.0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.DeleteAsync("/api/v1/instances/no.such.service.here.0")).StatusCode);
        var body = await _root.Json(await _root.Http.GetAsync("/api/v1/services/no.such.service.here"));
        Assert.Contains("no.such.service.here", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("""{"count":0}""", "count")]
    [InlineData("""{"count":"two"}""", "count")]
    [InlineData("""{"count":1,"node":5}""", "node")]
    [InlineData("""[1]""", "$")]
    public async Task Malformed_instance_requests_are_400_naming_the_field(string body, string field)
    {
        Assert.Equal(HttpStatusCode.Created, (await _root.PostJson("/api/v1/applications", Slas.One("bad"))).StatusCode);
        var r = await _root.PostJson($"/api/v1/services/{Slas.ServiceId("bad")}/instances", body);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal(field, (await _root.Json(r)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Address_preview_reserves_nothing()
    {
        var first = await Preview("instance", 6, 2);
        Assert.Equal(2, first.Length);
        Assert.Equal(first, await Preview("instance", 6, 2));
        var unknown = await _root.Http.GetAsync("/api/v1/addresses/available?count=1&v=6&pool=fastest");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("pool", (await _root.Json(unknown)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Unknown_node_table_and_location_are_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync("/api/v1/nodes/w1/table")).StatusCode);
        var r = await _root.Http.PutAsync("/api/v1/nodes/w9/location",
            new StringContent("""{"latitude":48.1,"longitude":11.6}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal(0, (await _root.Json(await _root.Http.GetAsync("/api/v1/nodes"))).GetArrayLength());
    }

    private async Task<string[]> Preview(string pool, int v, int count = 3)
    {
        var r = await _root.Http.GetAsync($"/api/v1/addresses/available?count={count}&v={v}&pool={pool}");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return (await _root.Json(r)).GetProperty("addresses").EnumerateArray().Select(a => a.GetString()!).ToArray();
    }
}
