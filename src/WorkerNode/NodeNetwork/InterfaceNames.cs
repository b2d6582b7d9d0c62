namespace Oakestra.Actors.WorkerNode.NodeNetwork;

/// <summary>Linux interface name rules (IFNAMSIZ = 16 including the terminating NUL).</summary>
public static class InterfaceNames
{
    public const int MaxLength = 15;

    public static void Validate(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name.Any(c => c <= ' ' || c == '/' || c == ':' || c > '~')
            || name is "." or "..")
            throw new ArgumentException($"{what} '{name}' is not a valid Linux interface name (1–{MaxLength} printable chars, no '/', ':' or space)");
    }
}
