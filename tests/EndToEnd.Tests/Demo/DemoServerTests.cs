using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Oakestra.Actors.DemoApp;

namespace Oakestra.Actors.EndToEnd.Tests.Demo;

/// <summary>The demo app answers with the identity the worker gave it and the source it saw, over TCP and UDP.</summary>
public sealed class DemoServerTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Env = new()
    {
        ["OAK_SERVICE_ID"] = "demo.lab.demo.lab",
        ["OAK_INSTANCE_ID"] = "demo.lab.demo.lab.2",
        ["OAK_INSTANCE_NUMBER"] = "2",
        ["OAK_NODE"] = "w3",
        ["OAK_INSTANCE_IPV4"] = "10.30.0.5",
        ["OAK_INSTANCE_IPV6"] = "fdff::5",
        ["OAK_NAMESPACE_IPV4"] = "10.18.0.130",
        ["OAK_NAMESPACE_IPV6"] = "fc00::202",
    };

    private DemoServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new DemoServer(Identity.FromEnvironment(k => Env.GetValueOrDefault(k)), port: 0).Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Http_get_answers_identity_and_the_callers_address_and_port()
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, _server.Port);
        var localPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        await using var stream = client.GetStream();
        await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var response = await new StreamReader(stream).ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        var json = JsonNode.Parse(response.Split("\r\n\r\n", 2)[1])!;
        Assert.Equal("demo.lab.demo.lab", (string?)json["service"]);
        Assert.Equal("demo.lab.demo.lab.2", (string?)json["instance"]);
        Assert.Equal(2, (int?)json["number"]);
        Assert.Equal("w3", (string?)json["node"]);
        Assert.Equal("10.30.0.5", (string?)json["instance_ipv4"]);
        Assert.Equal("fdff::5", (string?)json["instance_ipv6"]);
        Assert.Equal("10.18.0.130", (string?)json["namespace_ip"]);
        Assert.Equal($"127.0.0.1:{localPort}", (string?)json["saw_source"]);
    }

    [Fact]
    public async Task Kept_alive_connections_are_answered_again_after_a_silence_and_a_plain_request_still_closes()
    {
        var outcome = JsonNode.Parse(await IdleConnections.RunAsync(IPAddress.Loopback, _server.Port, 5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)))!;
        Assert.Equal(5, (int?)outcome["same"]);
        Assert.Equal(0, (int?)outcome["failed"]);
        Assert.Equal(5, (int?)outcome["first_answers"]!["demo.lab.demo.lab.2"]);

        // Without Connection: keep-alive the server answers once and closes, as curl and the other tests expect.
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, _server.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var response = await new StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("\r\nConnection: close\r\n", response);
    }

    [Fact]
    public async Task Demo_get_client_reads_the_same_answer()
    {
        var json = JsonNode.Parse(await DemoClient.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/"), TimeSpan.FromSeconds(5)))!;
        Assert.Equal("demo.lab.demo.lab.2", (string?)json["instance"]);
        Assert.StartsWith("127.0.0.1:", (string?)json["saw_source"]);
    }

    [SkippableFact]
    public async Task Ipv6_callers_are_seen_as_ipv6_with_the_ipv6_namespace_address()
    {
        Skip.IfNot(Socket.OSSupportsIPv6 && File.Exists("/proc/net/if_inet6"), "no IPv6 on this machine");
        var json = JsonNode.Parse(await DemoClient.GetAsync(new Uri($"http://[::1]:{_server.Port}/"), TimeSpan.FromSeconds(5)))!;
        Assert.StartsWith("[::1]:", (string?)json["saw_source"]);
        Assert.Equal("fc00::202", (string?)json["namespace_ip"]);
    }

    [Fact]
    public async Task Udp_datagram_gets_identity_and_its_own_text_back_on_a_connected_socket()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var localPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        socket.Close();
        // The client mode itself: connect()ed socket, retries, timeout.
        var json = JsonNode.Parse(await DemoClient.UdpAsync(IPAddress.Loopback, _server.Port, "envelope 4", TimeSpan.FromSeconds(2)))!;
        Assert.Equal("udp", (string?)json["protocol"]);
        Assert.Equal("envelope 4", (string?)json["request"]);
        Assert.Equal("demo.lab.demo.lab.2", (string?)json["instance"]);
        Assert.StartsWith("127.0.0.1:", (string?)json["saw_source"]);
        Assert.NotEqual($"127.0.0.1:{_server.Port}", (string?)json["saw_source"]);
    }

    [Fact]
    public async Task A_long_stream_arrives_intact_and_the_server_says_so()
    {
        var json = JsonNode.Parse(await DemoClient.StreamAsync(IPAddress.Loopback, _server.Port, 8, TimeSpan.FromSeconds(60)))!;
        Assert.Equal(8L * 1024 * 1024, (long?)json["bytes"]);
        Assert.True((bool?)json["intact"]);
    }

    [Fact]
    public async Task The_server_detects_a_damaged_stream()
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, _server.Port);
        await using var stream = client.GetStream();
        // The hash announced is that of "hello"; the body sent is "hellO".
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("hello"u8));
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"POST /stream HTTP/1.1\r\nContent-Length: 5\r\nX-Sha256: {sha}\r\n\r\nhellO"));
        var json = JsonNode.Parse((await new StreamReader(stream).ReadToEndAsync()).Split("\r\n\r\n", 2)[1])!;
        Assert.Equal(5, (long?)json["bytes"]);
        Assert.False((bool?)json["intact"]);
    }

    [Fact]
    public async Task Udp_client_gives_up_with_a_clear_error_when_nobody_answers()
    {
        var port = Support.FakeRoot.FreePort();
        var e = await Assert.ThrowsAsync<IOException>(() => DemoClient.UdpAsync(IPAddress.Loopback, port, "x", TimeSpan.FromMilliseconds(200), attempts: 2));
        Assert.Contains($"127.0.0.1:{port}", e.Message);
    }
}
