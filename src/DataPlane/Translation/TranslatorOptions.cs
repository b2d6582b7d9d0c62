using Oakestra.Actors.DataPlane.Flows;
using Oakestra.Actors.DataPlane.Misses;

namespace Oakestra.Actors.DataPlane.Translation;

/// <summary>Everything tunable about a <see cref="PacketTranslator"/>.</summary>
/// <param name="SweepBudget">Expired flows removed at most per <c>Poll</c> (the rest on later polls or lazily on lookup).</param>
public sealed record TranslatorOptions(FlowTableOptions Flows, MissQueueOptions Misses, int SweepBudget = 64)
{
    public static readonly TranslatorOptions Default = new(FlowTableOptions.Default, MissQueueOptions.Default);
}
