namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>
/// Keeps an instance log under a size: once it is larger, its content moves to <c>&lt;log&gt;.1</c> (replacing the
/// previous one) and the log is truncated in place. The instance keeps writing through its O_APPEND descriptor,
/// which continues at the new end, so no pipe or logger process is needed and the log survives a worker restart
/// (copytruncate, as logrotate calls it; a line written between the copy and the truncation can be lost).
/// </summary>
internal static class LogRotation
{
    public const string RotatedSuffix = ".1";

    /// <summary>Rotates when the log is over <paramref name="maxBytes"/>; true when it did.</summary>
    public static bool RotateIfLarger(string path, long maxBytes)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length <= maxBytes) return false;
            File.Copy(path, path + RotatedSuffix, overwrite: true);
            using var log = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            log.SetLength(0);
            return true;
        }
        catch (IOException) { return false; } // gone meanwhile, or the disk is full: the next round tries again
        catch (UnauthorizedAccessException) { return false; }
    }
}
