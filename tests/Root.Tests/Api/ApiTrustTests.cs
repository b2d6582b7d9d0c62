using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>docs/DESIGN.md §5 Trust for the HTTP API: token, JSON bodies only, allowed hosts, bounded sizes, node names.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class ApiTrustTests(ApiTrustTests.SharedRoot shared) : IClassFixture<ApiTrustTests.SharedRoot>
{
    /// <summary>One root for the class: these tests only read, or create services under names of their own.</summary>
    public sealed class SharedRoot : IAsyncLifetime
    {
        public RootProcess Root { get; private set; } = null!;
        public async Task InitializeAsync() => Root = await RootProcess.StartAsync();
        public async Task DisposeAsync() => await Root.DisposeAsync();
    }

    private readonly RootProcess _root = shared.Root;

    /// <summary>Every route of RootApi, with a body where it takes one.</summary>
    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "/api/v1/services" },
        { "POST", "/api/v1/applications" },
        { "GET", "/api/v1/services/a.b.c.d" },
        { "DELETE", "/api/v1/services/a.b.c.d" },
        { "POST", "/api/v1/services/a.b.c.d/instances" },
        { "POST", "/api/v1/services/a.b.c.d/scale" },
        { "GET", "/api/v1/instances/a.b.c.d.0" },
        { "DELETE", "/api/v1/instances/a.b.c.d.0" },
        { "POST", "/api/v1/instances/a.b.c.d.0/migrate" },
        { "GET", "/api/v1/addresses/available" },
        { "GET", "/api/v1/nodes" },
        { "GET", "/api/v1/sites" },
        { "PUT", "/api/v1/nodes/w1/location" },
        { "POST", "/api/v1/nodes/w1/drain" },
        { "POST", "/api/v1/nodes/w1/uncordon" },
        { "GET", "/api/v1/nodes/w1/table" },
        { "GET", "/no/such/route" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Every_endpoint_without_a_token_is_401_saying_how_to_send_one(string method, string path)
    {
        using var anonymous = _root.Anonymous();
        var r = await anonymous.SendAsync(Request(method, path));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("Bearer", Assert.Single(r.Headers.WwwAuthenticate).Scheme);
        var body = await _root.Json(r);
        Assert.Equal("token", body.GetProperty("rule").GetString());
        Assert.Contains("Authorization: Bearer TOKEN", body.GetProperty("error").GetString());
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Every_endpoint_with_a_wrong_token_is_401(string method, string path)
    {
        using var wrong = _root.Anonymous();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _root.Token.Value[..^1] + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.SendAsync(Request(method, path))).StatusCode);
    }

    [Fact]
    public async Task Health_is_open_and_nothing_was_created_by_refused_requests()
    {
        using var anonymous = _root.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(Request("POST", "/api/v1/applications", Slas.One("sneaky")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/health")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync($"/api/v1/services/{Slas.ServiceId("sneaky")}")).StatusCode);
    }

    [Fact]
    public async Task The_token_is_a_0600_file_in_the_data_dir()
    {
        var file = Path.Combine(_root.DataDir, "api-token");
        Assert.Equal(file, _root.Token.Source);
        Assert.Equal(_root.Token.Value, File.ReadAllText(file).Trim());
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task A_body_that_is_not_declared_json_is_415_and_creates_nothing(string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Slas.One("plain")));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var r = await _root.Http.PostAsync("/api/v1/applications", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Equal("Content-Type", (await _root.Json(r)).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync($"/api/v1/services/{Slas.ServiceId("plain")}")).StatusCode);
    }

    [Fact]
    public async Task A_json_suffix_media_type_is_json()
    {
        var content = new StringContent(Slas.One("suffix"), Encoding.UTF8, "application/vnd.oakestra.sla+json");
        Assert.Equal(HttpStatusCode.Created, (await _root.Http.PostAsync("/api/v1/applications", content)).StatusCode);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:10000")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task A_foreign_host_header_is_400(string host)
    {
        var request = Request("GET", "/api/v1/services");
        request.Headers.Host = host;
        Assert.Equal(HttpStatusCode.BadRequest, (await _root.Http.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task Loopback_names_are_allowed_hosts(string host)
    {
        var request = Request("GET", "/api/v1/services");
        request.Headers.Host = $"{host}:{_root.BaseAddress.Port}";
        Assert.Equal(HttpStatusCode.OK, (await _root.Http.SendAsync(request)).StatusCode);
    }

    /// <summary>
    /// Judged by Content-Length alone. The client sends <c>Expect: 100-continue</c> (as curl does for large bodies):
    /// without it, the 413 that comes before the upload is done races the upload, and a client still writing into
    /// a connection the root has closed reports the failed write, not the answer.
    /// </summary>
    [Fact]
    public async Task A_2_MB_body_is_413_without_being_read()
    {
        var json = Padded(2 * 1024 * 1024);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/applications") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        await TooLarge(request);
    }

    /// <summary>No Content-Length: Kestrel's MaxRequestBodySize stops the read at 1 MiB (a little over, so the rest fits the socket buffers).</summary>
    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Padded(1024 * 1024 + 16 * 1024))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/applications") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await TooLarge(request);
    }

    private static string Padded(int spaces) =>
        Slas.One("big").Replace("\"code\"", new string(' ', spaces) + "\"code\"", StringComparison.Ordinal);

    private async Task TooLarge(HttpRequestMessage request)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var r = await _root.Http.SendAsync(request, deadline.Token);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Equal("max_body_bytes", (await _root.Json(r)).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task A_document_of_10001_microservices_is_400_naming_the_field()
    {
        var services = string.Join(",", Enumerable.Range(0, 10_001).Select(i => $$"""{"microservice_name":"m{{i}}","microservice_namespace":"x","code":"c"}"""));
        var sla = $$"""{"sla_version":"v2.0","applications":[{"application_name":"many","application_namespace":"x","microservices":[{{services}}]}]}""";
        await Rejected(await _root.PostJson("/api/v1/applications", sla), "applications[0].microservices", "max_count");
    }

    [Fact]
    public async Task Code_of_100_KiB_is_400_naming_the_field()
    {
        var sla = Slas.One("long").Replace("oak-demo --port 80", new string('x', 100 * 1024), StringComparison.Ordinal);
        await Rejected(await _root.PostJson("/api/v1/applications", sla), "applications[0].microservices[0].code", "max_length");
    }

    /// <summary>A 400 naming <paramref name="field"/> and <paramref name="rule"/>.</summary>
    private async Task Rejected(HttpResponseMessage r, string field, string rule)
    {
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var body = await _root.Json(r);
        Assert.Equal((field, rule), (body.GetProperty("field").GetString(), body.GetProperty("rule").GetString()));
    }

    [Theory]
    [InlineData("bounded1", "instances", """{"count":1001}""", "count")]
    [InlineData("bounded2", "scale", """{"replicas":1001}""", "replicas")]
    [InlineData("bounded3", "instances", """{"count":1,"node":"../../proc/1/ns/net"}""", "node")]
    public async Task Instances_per_request_and_node_names_are_bounded(string app, string action, string body, string field)
    {
        Assert.Equal(HttpStatusCode.Created, (await _root.PostJson("/api/v1/applications", Slas.One(app))).StatusCode);
        var r = await _root.PostJson($"/api/v1/services/{Slas.ServiceId(app)}/{action}", body);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal(field, (await _root.Json(r)).GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("-w1")]
    [InlineData(".hidden")]
    [InlineData("w1;reboot")]
    [InlineData("w 1")]
    public async Task A_node_name_outside_the_projects_characters_is_400(string node)
    {
        var r = await _root.Http.GetAsync($"/api/v1/nodes/{Uri.EscapeDataString(node)}/table");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("node_name", (await _root.Json(r)).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task An_sla_constraint_naming_a_path_as_node_is_400()
    {
        var sla = Slas.One("path").Replace("\"constraints\": []", "\"constraints\": [{\"type\":\"direct\",\"node\":\"../../proc/1/ns/net\"}]", StringComparison.Ordinal);
        var r = await _root.PostJson("/api/v1/applications", sla);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("applications[0].microservices[0].constraints[0].node", (await _root.Json(r)).GetProperty("field").GetString());
    }

    private static HttpRequestMessage Request(string method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null || method is "POST" or "PUT")
            request.Content = new StringContent(json ?? "{}", Encoding.UTF8, "application/json");
        return request;
    }
}
