namespace Oakestra.Actors.Nodes.Tests;

public class SkeletonTests
{
    [Fact]
    public void Builds() => Assert.True(true);
}
