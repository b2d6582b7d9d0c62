using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.Cli.Api;

/// <summary>
/// The root's HTTP API (docs/API.md) as the CLI uses it, over one or several roots. A request goes to the root
/// that answered last; when it cannot connect there it goes to the next root, and so does a read (GET, PUT)
/// that got no answer. A POST or DELETE that was sent and got no answer is not sent again elsewhere: the first
/// root may have applied it. Every failure becomes a <see cref="CliFailure"/> with one line a user can act on:
/// unreachable roots, or the status and the root's own error text.
/// </summary>
public sealed class RootClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A root that does not take the connection within this long is skipped (a cut link drops the SYN).</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http;
    private readonly IReadOnlyList<Uri> _roots;
    private readonly RootCredentials _credentials;
    private int _current;

    public RootClient(Uri baseAddress, TimeSpan? timeout = null, RootCredentials? credentials = null) : this([baseAddress], timeout, credentials) { }

    public RootClient(IReadOnlyList<Uri> roots, TimeSpan? timeout = null, RootCredentials? credentials = null)
    {
        if (roots.Count == 0) throw new ArgumentException("no root address", nameof(roots));
        _roots = roots;
        _credentials = credentials ?? RootCredentials.None;
        var requestTimeout = timeout ?? DefaultTimeout;
        // Shorter than the request's own deadline, or a root that never takes the connection would look like one that took the request.
        var connectTimeout = requestTimeout / 2 < ConnectTimeout ? requestTimeout / 2 : ConnectTimeout;
        var handler = new SocketsHttpHandler { ConnectCallback = (c, ct) => ConnectAsync(c, connectTimeout, ct) };
        if (_credentials.Ca is { } ca)
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, errors) => SignedBy(ca, cert, errors) };
        _http = new HttpClient(handler) { Timeout = requestTimeout };
        if (_credentials.Token is { } token) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>
    /// The configured CA and nothing else: the chain must end at it (not at a root of the system store), and the
    /// certificate must name the host dialled. Revocation is not checked: a private CA publishes no lists.
    /// </summary>
    private static bool SignedBy(X509Certificate2 ca, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // The handshake owns the certificate it hands us: only a copy made here is disposed here.
        using var copy = presented is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(presented as X509Certificate2 ?? copy!);
    }

    /// <summary>The root the next request goes to first: the one that answered last.</summary>
    public Uri BaseAddress => _roots[_current];

    public IReadOnlyList<Uri> Roots => _roots;

    /// <summary>The root that answered a request of this client, or null when none did.</summary>
    public Uri? Answered { get; private set; }

    /// <summary>
    /// How long a request that may be sent again (a read, a keyed POST) keeps being retried while no root takes it or
    /// a root answers 503 (its control plane not ready, as after a restart): `oak deploy --retry-for`. Zero: one round.
    /// </summary>
    public TimeSpan RetryFor { get; set; }

    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(1);

    public Task<JsonNode> GetAsync(string path, CancellationToken ct = default) => SendAsync(HttpMethod.Get, path, () => null, ct);

    public Task<JsonNode> PostAsync(string path, object? body, CancellationToken ct = default) => SendAsync(HttpMethod.Post, path, () => Content(body), ct);

    /// <summary>A keyed POST with the caller's <c>Idempotency-Key</c> (the same key in a later run of the CLI gets the same answer).</summary>
    public Task<JsonNode> PostAsync(string path, object? body, string idempotencyKey, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, () => Content(body), ct, idempotencyKey);

    public Task<JsonNode> PutAsync(string path, object? body, CancellationToken ct = default) => SendAsync(HttpMethod.Put, path, () => Content(body), ct);

    public Task<JsonNode> DeleteAsync(string path, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, path, () => null, ct);

    /// <summary>Posts a body that is already JSON text (an SLA file), unchanged.</summary>
    public Task<JsonNode> PostRawAsync(string path, string json, CancellationToken ct = default, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, path, () => new StringContent(json, Encoding.UTF8, "application/json"), ct, idempotencyKey);

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

    private static HttpContent? Content(object? body) => body is null ? null : JsonContent.Create(body, options: Json);

    private static bool Resendable(HttpMethod m) => m == HttpMethod.Get || m == HttpMethod.Head || m == HttpMethod.Put;

    /// <summary>
    /// POSTs the root makes idempotent with an Idempotency-Key (docs/API.md): each gets a key of its own, kept for
    /// every attempt, so a request that got no answer may be sent again, to the same root or another one.
    /// </summary>
    private static bool Keyed(HttpMethod m, string path) =>
        m == HttpMethod.Post && (path.TrimStart('/') == "api/v1/applications" || (path.StartsWith("api/v1/services/", StringComparison.Ordinal) && path.EndsWith("/instances", StringComparison.Ordinal)));

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, Func<HttpContent?> body, CancellationToken ct, string? idempotencyKey = null)
    {
        var key = Keyed(method, path.TrimStart('/')) ? idempotencyKey ?? Guid.NewGuid().ToString("N") : null;
        var retryUntil = DateTime.UtcNow + RetryFor;
        while (true)
        {
            var (answer, failures, resendable) = await SendOnceAsync(method, path, body, key, ct);
            if (answer is not null) return answer;
            if (!resendable || DateTime.UtcNow + RetryPause > retryUntil)
                throw new CliFailure(_roots.Count == 1
                    ? $"root not reachable at {failures[0]}{RetriedFor()}"
                    : $"no root answered: {string.Join("; ", failures)}{RetriedFor()}");
            await Task.Delay(RetryPause, ct);
        }
    }

    private string RetriedFor() => RetryFor > TimeSpan.Zero ? $" (retried for {RetryFor.TotalSeconds:0} s)" : "";

    /// <summary>
    /// One round over the roots: the answer, or why each root gave none and whether the request may go out again
    /// (nothing was sent, or it is a read or keyed). A root's 503 counts as no answer for such a request.
    /// </summary>
    private async Task<(JsonNode? Answer, List<string> Failures, bool Resendable)> SendOnceAsync(
        HttpMethod method, string path, Func<HttpContent?> body, string? key, CancellationToken ct)
    {
        var failures = new List<string>();
        var resendable = true;
        for (var attempt = 0; attempt < _roots.Count; attempt++)
        {
            var index = (_current + attempt) % _roots.Count;
            var root = _roots[index];
            using var request = new HttpRequestMessage(method, new Uri(root, path.TrimStart('/'))) { Content = body() };
            if (key is not null) request.Headers.Add("Idempotency-Key", key);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct);
            }
            catch (HttpRequestException e) when (Inner<RootConnectFailure>(e) is { } refused)
            {
                failures.Add($"{Display(root)}: {refused.Message}");
                continue; // nothing was sent: any request may go to the next root
            }
            catch (HttpRequestException e) when (Inner<AuthenticationException>(e) is not null)
            {
                failures.Add($"{Display(root)}: {TlsReason()}");
                continue; // the handshake failed before the request was sent
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                var reason = e is TaskCanceledException ? $"no answer within {_http.Timeout.TotalSeconds:0.#}s" : Reason((HttpRequestException)e);
                failures.Add($"{Display(root)}: {reason}");
                if (Resendable(method) || key is not null) continue;
                resendable = false;
                if (_roots.Count == 1) break;
                throw new CliFailure($"root at {Display(root)} took {method} /{path.TrimStart('/')} but gave no answer ({reason}); not sent to another root, since it may have been applied");
            }
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && RetryFor > TimeSpan.Zero && (Resendable(method) || key is not null))
            {
                using (response) failures.Add($"{Display(root)}: {ErrorLine(response.StatusCode, await response.Content.ReadAsStringAsync(ct))}");
                continue;
            }
            _current = index;
            Answered = root;
            using (response)
                return (await ReadAsync(response, method, path, ct), failures, true);
        }
        return (null, failures, resendable);
    }

    /// <summary>
    /// A GET whose answer is text streamed for as long as the root sends it (`oak logs -f`): each piece goes to
    /// <paramref name="onText"/> as it arrives. The request timeout bounds the wait for the answer's start, not the
    /// stream. Roots are tried in turn while none takes the connection; an error status is a <see cref="CliFailure"/>.
    /// </summary>
    public async Task StreamTextAsync(string path, Func<string, Task> onText, CancellationToken ct = default)
    {
        var failures = new List<string>();
        for (var attempt = 0; attempt < _roots.Count; attempt++)
        {
            var index = (_current + attempt) % _roots.Count;
            var root = _roots[index];
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, path.TrimStart('/')));
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                failures.Add($"{Display(root)}: {(e is HttpRequestException h ? Reason(h) : $"no answer within {_http.Timeout.TotalSeconds:0.#}s")}");
                continue;
            }
            _current = index;
            Answered = root;
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    await ReadAsync(response, HttpMethod.Get, path, ct);
                    return;
                }
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
                var buffer = new char[8192];
                int n;
                while ((n = await reader.ReadAsync(buffer, ct)) > 0) await onText(new string(buffer, 0, n));
                return;
            }
        }
        throw new CliFailure(_roots.Count == 1 ? $"root not reachable at {failures[0]}" : $"no root answered: {string.Join("; ", failures)}");
    }

    private async Task<JsonNode> ReadAsync(HttpResponseMessage response, HttpMethod method, string path, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode == HttpStatusCode.Unauthorized) throw new CliFailure($"401 Unauthorized: {_credentials.Unauthorized()}");
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

    /// <summary>Connects with a deadline of its own, so that "not connected" (safe to send elsewhere) is told apart from "sent, no answer".</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, TimeSpan timeout, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, deadline.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new RootConnectFailure(Reason(e));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RootConnectFailure($"no connection within {timeout.TotalSeconds:0.#}s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class RootConnectFailure(string reason) : Exception(reason);

    private static T? Inner<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is T t) return t;
        return null;
    }

    private string TlsReason() => _credentials.Ca is null
        ? "TLS: the root's certificate is not trusted by this machine (pass the CA that signed it: --ca, OAK_CA or ca = in the config file)"
        : $"TLS: the root's certificate is not signed by the CA from {_credentials.CaSource} for this address";

    private static string Display(Uri root) => root.ToString().TrimEnd('/');

    private static string Reason(HttpRequestException e) => Inner<SocketException>(e) is { } s ? Reason(s) : e.Message;

    private static string Reason(SocketException s) => s.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostNotFound => "host not found",
        _ => s.Message.ToLowerInvariant(),
    };

    /// <summary>"404 Not Found: unknown service x (field: id)" — status first, then what the root said.</summary>
    public static string ErrorLine(HttpStatusCode status, string body)
    {
        var head = $"{(int)status} {ReasonPhrase(status)}";
        // ASP.NET Core's host filtering answers with a page, not the API's JSON.
        if (status == HttpStatusCode.BadRequest && body.Contains("Invalid Hostname", StringComparison.Ordinal))
            return $"{head}: the root does not answer to this host name (its AllowedHosts); use an address it listens on, or add the name to AllowedHosts";
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
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.RequestEntityTooLarge => "Payload Too Large",
        HttpStatusCode.UnsupportedMediaType => "Unsupported Media Type",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        HttpStatusCode.InsufficientStorage => "Insufficient Storage",
        HttpStatusCode.InternalServerError => "Internal Server Error",
        _ => status.ToString(),
    };

    public void Dispose() => _http.Dispose();
}
