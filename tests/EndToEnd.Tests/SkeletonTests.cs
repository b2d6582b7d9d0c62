namespace Oakestra.Actors.EndToEnd.Tests;

public class SkeletonTests
{
    [Fact]
    public void Builds() => Assert.True(true);
}
