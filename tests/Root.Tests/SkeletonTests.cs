namespace Oakestra.Actors.Root.Tests;

public class SkeletonTests
{
    [Fact]
    public void Builds() => Assert.True(true);
}
