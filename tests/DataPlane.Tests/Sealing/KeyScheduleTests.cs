using Oakestra.Actors.DataPlane.Tunnel;
using Xunit;

namespace Oakestra.Actors.DataPlane.Tests.Sealing;

public sealed class KeyScheduleTests
{
    [Fact]
    public void Both_sides_derive_the_same_key_per_direction_and_the_directions_differ()
    {
        var a = TunnelIdentity.Ephemeral();
        var b = TunnelIdentity.Ephemeral();
        var atA = TunnelKeySchedule.Derive(a, b.PublicKey, b.Salt);
        var atB = TunnelKeySchedule.Derive(b, a.PublicKey, a.Salt);
        Assert.Equal(atA.SendKey, atB.ReceiveKey);
        Assert.Equal(atA.ReceiveKey, atB.SendKey);
        Assert.Equal(atA.SendKeyId, atB.ReceiveKeyId);
        Assert.NotEqual(atA.SendKey, atA.ReceiveKey);
    }

    [Fact]
    public void A_new_salt_on_either_side_gives_new_keys()
    {
        var keys = NodeKeyPair.Generate();
        var a = new TunnelIdentity(keys);
        var aRestarted = new TunnelIdentity(keys);
        var b = TunnelIdentity.Ephemeral();
        var before = TunnelKeySchedule.Derive(b, a.PublicKey, a.Salt);
        var after = TunnelKeySchedule.Derive(b, aRestarted.PublicKey, aRestarted.Salt);
        Assert.NotEqual(before.SendKey, after.SendKey);
        Assert.NotEqual(before.ReceiveKey, after.ReceiveKey);
    }

    [Fact]
    public void The_key_file_is_made_0600_at_first_start_and_read_back_after()
    {
        var dir = Path.Combine(Path.GetTempPath(), "oak-key-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = NodeKeyPair.LoadOrCreate(dir);
            var again = NodeKeyPair.LoadOrCreate(dir);
            Assert.Equal(first.PublicKey, again.PublicKey);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, NodeKeyPair.FileName)));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
