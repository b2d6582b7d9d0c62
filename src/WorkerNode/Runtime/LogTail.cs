using System.Text;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>Last lines of an instance log, read from the end so a huge log costs nothing.</summary>
internal static class LogTail
{
    private const int MaxBytes = 16 * 1024;

    public static IReadOnlyList<string> Read(string path, int lines)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = file.Length;
            var take = (int)Math.Min(length, MaxBytes);
            file.Seek(length - take, SeekOrigin.Begin);
            var buffer = new byte[take];
            file.ReadExactly(buffer);
            var all = Encoding.UTF8.GetString(buffer).Split('\n');
            var nonEmptyEnd = all.Length > 0 && all[^1].Length == 0 ? all[..^1] : all;
            return nonEmptyEnd.TakeLast(lines).ToList();
        }
        catch (FileNotFoundException) { return []; }
        catch (DirectoryNotFoundException) { return []; }
    }
}
