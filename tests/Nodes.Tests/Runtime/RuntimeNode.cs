using Oakestra.Actors.WorkerNode.Runtime;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>A node with its network set up and a runtime on it; everything is removed on dispose.</summary>
internal sealed class RuntimeNode : IAsyncDisposable
{
    public required NodeLab Lab { get; init; }
    public required InstanceRuntime Runtime { get; init; }
    public required StatusRecorder Statuses { get; init; }

    /// <summary>What the runtime warned about (nft missing, no cgroups).</summary>
    public List<string> Warnings { get; } = [];

    /// <param name="prefix">The lab's netns prefix (see <see cref="NodeLab.CreateAsync"/>).</param>
    /// <param name="reset">Start as a worker does when nothing is adopted (leftovers removed, guard table made).</param>
    public static async Task<RuntimeNode> CreateAsync(Func<InstanceRuntimeOptions, InstanceRuntimeOptions>? configure = null,
        bool setUpNetwork = true, string prefix = "oakt-wr-", bool reset = false)
    {
        var lab = await NodeLab.CreateAsync(prefix: prefix);
        try
        {
            if (setUpNetwork) await lab.Network(lab.Beside()).SetUpAsync();
            var options = lab.RuntimeOptions();
            var runtime = new InstanceRuntime(configure?.Invoke(options) ?? options, lab.Beside());
            var node = new RuntimeNode { Lab = lab, Runtime = runtime, Statuses = new StatusRecorder(runtime) };
            runtime.Warning += node.Warnings.Add;
            if (reset) await runtime.ResetAsync();
            return node;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { await Runtime.DisposeAsync(); }
        finally { await Lab.DisposeAsync(); }
    }
}
