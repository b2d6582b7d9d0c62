using System.Runtime.InteropServices;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Root;

// dotnet run --project src/Root -- --urls http://127.0.0.1:10000   (configuration: docs/CONFIG.md)
//
// A root downed by its own tier (a partition it lost, or a false suspicion on a loaded machine) ends its ActorSystem,
// and Akka.Hosting then ends the host. The process builds a new host that recovers from the journal and rejoins the
// tier, as orchestrators and workers start a new ActorSystem incarnation; only a signal ends the process.
var signalled = false;
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => signalled = true);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => signalled = true);
var incarnations = new IncarnationOptions();
var failuresInARow = 0;
for (var first = true; ; first = false)
{
    var started = DateTime.UtcNow;
    // After a downing: rejoin the roots that downed this one, never a tier of its own (docs/NODES.md).
    WebApplication built;
    try
    {
        built = first ? RootHost.Build(args) : RootHost.Build(args, b => b.Configuration["Oak:Akka:RejoinOnly"] = "true");
    }
    catch (OakConfigurationException e)
    {
        Console.Error.WriteLine($"oak root: {e.Message}");
        return 2;
    }
    await using var app = built;
    await app.RunAsync();
    if (signalled) break;
    failuresInARow = DateTime.UtcNow - started >= incarnations.StableAfter ? 0 : failuresInARow + 1;
    var backoff = incarnations.BackoffAfter(Math.Max(0, failuresInARow - 1));
    app.Logger.LogWarning("the root's ActorSystem ended without a signal (downed by its tier?); the process goes on and starts a new root in {Backoff:0.#} s, rejoining the other roots", backoff.TotalSeconds);
    await Task.Delay(backoff);
}
return 0;
