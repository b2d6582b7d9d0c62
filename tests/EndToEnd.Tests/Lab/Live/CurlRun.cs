namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>
/// Many HTTP requests from ONE curl process inside the client namespace ("Connection: close", so every
/// request is a new TCP connection = a new flow for the balancer); one outcome per request.
/// </summary>
public static class CurlRun
{
    public sealed record Outcome(DemoAnswer? Answer, int Exit, string HttpCode, string Error, string LocalPort = "")
    {
        public bool Ok => Exit == 0 && HttpCode == "200" && Answer is not null;
        public override string ToString() => Ok ? $"ok {Answer!.Instance}" : $"curl exit {Exit}, http {HttpCode}, from port {LocalPort}: {Error}";
    }

    public static string Url(string ip, int port = 8080) => ip.Contains(':') ? $"http://[{ip}]:{port}/" : $"http://{ip}:{port}/";

    public static async Task<IReadOnlyList<Outcome>> GetAsync(LiveLabFixture lab, string ip, int count, string? rate = null, string? localPorts = null, int port = 8080)
    {
        string[] args = ["curl", "-s", "-g", "--connect-timeout", "3", "-m", "5", "-H", "Connection: close",
            "-w", "\nRESULT %{exitcode} %{http_code} %{local_port} %{errormsg}\n"];
        if (rate is not null) args = [.. args, "--rate", rate];
        if (localPorts is not null) args = [.. args, "--local-port", localPorts];
        args = [.. args, .. Enumerable.Repeat(Url(ip, port), count)];
        var r = await lab.InClient(TimeSpan.FromSeconds(60 + count * (rate is null ? 1 : 2)), args);
        var outcomes = Parse(r.Out);
        Assert.True(outcomes.Count == count, $"expected {count} curl results, got {outcomes.Count}: {r}");
        return outcomes;
    }

    public static List<Outcome> Parse(string output)
    {
        var list = new List<Outcome>();
        string? body = null;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith('{')) body = line;
            else if (line.StartsWith("RESULT "))
            {
                var parts = line.Split(' ', 5);
                list.Add(new Outcome(body is null ? null : DemoAnswer.Parse(body), int.Parse(parts[1]), parts[2], parts.Length > 4 ? parts[4] : "", parts[3]));
                body = null;
            }
        }
        return list;
    }
}
