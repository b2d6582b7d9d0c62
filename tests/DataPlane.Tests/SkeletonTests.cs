namespace Oakestra.Actors.DataPlane.Tests;

public class SkeletonTests
{
    [Fact]
    public void Builds() => Assert.True(true);
}
