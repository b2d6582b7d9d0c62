namespace Oakestra.Actors.DataPlane.Tests.Io;

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until true or the timeout (generous: a shared 2-core VM); returns the final value.</summary>
    public static bool Until(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return condition();
            Thread.Sleep(5);
        }
        return true;
    }
}

/// <summary>Namespace tests share the machine's network stack and count process-wide fds: run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetnsCollection
{
    public const string Name = "netns";
}
