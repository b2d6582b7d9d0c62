using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.Cli.Api;

/// <summary>
/// The root's HTTP API (docs/API.md) as the CLI uses it. Every failure becomes a <see cref="CliFailure"/>
/// with one line a user can act on: unreachable root, or the status and the root's own error text.
/// </summary>
public sealed class RootClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly HttpClient _http;

    public RootClient(Uri baseAddress, TimeSpan? timeout = null)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public Task<JsonNode> GetAsync(string path, CancellationToken ct = default) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonNode> PostAsync(string path, object? body, CancellationToken ct = default) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonNode> PutAsync(string path, object? body, CancellationToken ct = default) => SendAsync(HttpMethod.Put, path, body, ct);

    public Task<JsonNode> DeleteAsync(string path, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, path, null, ct);

    /// <summary>Posts a body that is already JSON text (an SLA file), unchanged.</summary>
    public Task<JsonNode> PostRawAsync(string path, string json, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, new StringContent(json, Encoding.UTF8, "application/json"), ct);

    public async Task<T> GetAsync<T>(string path, CancellationToken ct = default) => Read<T>(await GetAsync(path, ct), path);

    public static T Read<T>(JsonNode node, string what)
    {
        try
        {
            return node.Deserialize<T>(Json) ?? throw new CliFailure($"the root answered {what} with null");
        }
        catch (JsonException e)
        {
            throw new CliFailure($"unexpected answer from the root for {what}: {e.Message}");
        }
    }

    public static string Escape(string id) => Uri.EscapeDataString(id);

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Content = body switch
        {
            null => null,
            HttpContent c => c,
            _ => JsonContent.Create(body, options: Json),
        };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliFailure($"root not reachable at {Display}: {Reason(e)}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliFailure($"root not reachable at {Display}: no answer within {_http.Timeout.TotalSeconds:0}s");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) throw new CliFailure(ErrorLine(response.StatusCode, text));
            if (string.IsNullOrWhiteSpace(text)) return new JsonObject();
            try
            {
                return JsonNode.Parse(text) ?? new JsonObject();
            }
            catch (JsonException)
            {
                throw new CliFailure($"the root answered {method} {path} with something that is not JSON");
            }
        }
    }

    private string Display => BaseAddress.ToString().TrimEnd('/');

    private static string Reason(HttpRequestException e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException s)
            {
                return s.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostUnreachable => "host unreachable",
                    SocketError.NetworkUnreachable => "network unreachable",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.HostNotFound => "host not found",
                    _ => s.Message.ToLowerInvariant(),
                };
            }
        }
        return e.Message;
    }

    /// <summary>"404 Not Found: unknown service x (field: id)" — status first, then what the root said.</summary>
    public static string ErrorLine(HttpStatusCode status, string body)
    {
        var head = $"{(int)status} {ReasonPhrase(status)}";
        string? message = null, field = null, rule = null;
        try
        {
            var e = JsonSerializer.Deserialize<ApiErrorBody>(body, Json);
            message = e?.Error; field = e?.Field; rule = e?.Rule;
        }
        catch (JsonException)
        {
            message = body.Trim();
        }
        if (string.IsNullOrWhiteSpace(message)) return CliFailure.OneLine(head);
        var extra = new List<string>();
        if (!string.IsNullOrEmpty(field)) extra.Add($"field: {field}");
        if (!string.IsNullOrEmpty(rule)) extra.Add($"rule: {rule}");
        return CliFailure.OneLine(extra.Count == 0 ? $"{head}: {message}" : $"{head}: {message} ({string.Join(", ", extra)})");
    }

    private static string ReasonPhrase(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        HttpStatusCode.InsufficientStorage => "Insufficient Storage",
        HttpStatusCode.InternalServerError => "Internal Server Error",
        _ => status.ToString(),
    };

    public void Dispose() => _http.Dispose();
}
