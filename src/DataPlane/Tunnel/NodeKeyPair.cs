using System.Security.Cryptography;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>The node's long-term X25519 key pair; the private half never leaves the node's data dir.</summary>
public sealed class NodeKeyPair
{
    public const string FileName = "tunnel.key";
    private readonly byte[] _privateKey;

    private NodeKeyPair(byte[] privateKey)
    {
        _privateKey = privateKey;
        PublicKey = X25519.PublicKeyOf(privateKey);
    }

    public byte[] PublicKey { get; }

    public static NodeKeyPair Generate() => new(X25519.GeneratePrivateKey());

    public static NodeKeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey) => new(privateKey.ToArray());

    /// <summary>
    /// Reads the key from <paramref name="directory"/>, or makes one at first start. The file is created
    /// 0600 and renamed into place, so a crash never leaves a half-written key that a restart would trust.
    /// </summary>
    public static NodeKeyPair LoadOrCreate(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            if (key.Length != X25519.KeyLength) throw new CryptographicException($"{path} does not hold a 32-byte X25519 key");
            return new NodeKeyPair(key);
        }
        Directory.CreateDirectory(directory);
        var pair = Generate();
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
            writer.WriteLine(Convert.ToBase64String(pair._privateKey));
        File.Move(temporary, path, overwrite: false);
        return pair;
    }

    public byte[] SharedSecret(ReadOnlySpan<byte> peerPublicKey) => X25519.SharedSecret(_privateKey, peerPublicKey);
}
