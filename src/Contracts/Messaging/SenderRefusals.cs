using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Event;

namespace Oakestra.Actors.Contracts.Messaging;

/// <summary>
/// Contract messages refused because their sender may not send them (a StartInstance not from the site's
/// orchestrator, a status report not from the worker the epoch was handed to, …). Every refusal is counted
/// (per actor, and in the <c>oak_sender_refusals</c> counter of the <see cref="MeterName"/> meter, tagged with the
/// message type); only the first one of each message type from each sender address is logged, so a hostile or
/// confused peer cannot flood the log.
/// </summary>
public sealed class SenderRefusals
{
    public const string MeterName = "Oakestra.Actors";
    private const int MaxLogged = 1024;

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("oak_sender_refusals",
        description: "Contract messages refused because their sender may not send them");

    private readonly HashSet<(string Message, Address From)> _logged = new();
    private readonly Dictionary<string, long> _byMessage = new(StringComparer.Ordinal);

    public long Count { get; private set; }

    /// <summary>Refusals so far, by message type name.</summary>
    public IReadOnlyDictionary<string, long> ByMessage => _byMessage;

    public void Refuse(object message, IActorRef sender, string reason, ILoggingAdapter log)
    {
        var name = message.GetType().Name;
        Count++;
        _byMessage[name] = _byMessage.GetValueOrDefault(name) + 1;
        Refused.Add(1, new KeyValuePair<string, object?>("message", name));
        var from = sender.Path.Address;
        if (_logged.Count < MaxLogged && _logged.Add((name, from)))
            log.Warning("refused {0} from {1}: {2} (later ones of this kind from there are only counted)", name, sender.Path, reason);
    }
}
