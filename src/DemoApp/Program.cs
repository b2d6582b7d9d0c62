using System.Globalization;
using System.Net;
using Oakestra.Actors.DemoApp;

// demo [serve] [--port N]             (default port: $OAK_PORT, else 8080)
// demo get <url> [--timeout S]
// demo udp <ip> <port> <text> [--timeout S]
// demo stream <ip> <port> <MiB> [--timeout S]
// demo idle <ip> <port> <connections> <idle-seconds> [--timeout S]   (ask, stay silent, ask again on each connection)
var words = args.ToList();
string? Option(string name)
{
    var i = words.IndexOf("--" + name);
    if (i < 0 || i + 1 >= words.Count) return null;
    var v = words[i + 1];
    words.RemoveRange(i, 2);
    return v;
}
// A long stream gets minutes, a single request seconds.
var timeout = TimeSpan.FromSeconds(double.Parse(Option("timeout") ?? (args.FirstOrDefault() == "stream" ? "600" : "10"), CultureInfo.InvariantCulture));
var portOption = Option("port");
var mode = words.Count > 0 ? words[0] : "serve";

try
{
    switch (mode)
    {
        case "serve" when words.Count <= 1:
        {
            var port = int.Parse(portOption ?? Environment.GetEnvironmentVariable("OAK_PORT") ?? "8080", CultureInfo.InvariantCulture);
            await using var server = new DemoServer(Identity.FromEnvironment(Environment.GetEnvironmentVariable), port).Start();
            Console.WriteLine($"demo: serving TCP/HTTP and UDP on port {server.Port} as {Environment.GetEnvironmentVariable("OAK_INSTANCE_ID") ?? "(no instance id)"}");
            var stop = new TaskCompletionSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
            AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
            await stop.Task;
            return 0;
        }
        case "get" when words.Count == 2:
            Console.WriteLine(await DemoClient.GetAsync(new Uri(words[1]), timeout));
            return 0;
        case "udp" when words.Count == 4:
            Console.WriteLine(await DemoClient.UdpAsync(IPAddress.Parse(words[1]), int.Parse(words[2], CultureInfo.InvariantCulture), words[3], timeout));
            return 0;
        case "stream" when words.Count == 4:
            Console.WriteLine(await DemoClient.StreamAsync(IPAddress.Parse(words[1]), int.Parse(words[2], CultureInfo.InvariantCulture),
                int.Parse(words[3], CultureInfo.InvariantCulture), timeout));
            return 0;
        case "idle" when words.Count == 5:
            Console.WriteLine(await IdleConnections.RunAsync(IPAddress.Parse(words[1]), int.Parse(words[2], CultureInfo.InvariantCulture),
                int.Parse(words[3], CultureInfo.InvariantCulture), TimeSpan.FromSeconds(double.Parse(words[4], CultureInfo.InvariantCulture)), timeout));
            return 0;
        default:
            Console.Error.WriteLine("usage: demo [serve] [--port N] | get <url> | udp <ip> <port> <text> | stream <ip> <port> <MiB> | idle <ip> <port> <connections> <idle-s>   [--timeout S]");
            return 2;
    }
}
catch (Exception e) when (e is IOException or HttpRequestException or System.Net.Sockets.SocketException or OperationCanceledException or FormatException or UriFormatException)
{
    Console.Error.WriteLine($"demo: {e.Message.Split('\n')[0]}");
    return 1;
}
