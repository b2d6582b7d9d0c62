using System.Text;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.WorkerNode.Adapters;

/// <summary>
/// Reads one bounded chunk of an instance log file for `oak logs`: from a byte offset, or the last lines. A chunk
/// ends at its last line end when it is cut short, and never inside a UTF-8 character, so chunks concatenate to the
/// file. An offset beyond the file's end (the log was rotated or truncated) starts again at its beginning.
/// </summary>
public static class InstanceLogReader
{
    public static InstanceLogChunk Read(string instanceId, string path, long offset, int? tailLines, int maxBytes)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = file.Length;
            if (tailLines is { } lines) return Tail(instanceId, file, length, lines, maxBytes);
            var restarted = offset > length;
            var start = restarted ? 0 : offset;
            var take = (int)Math.Min(maxBytes, length - start);
            var buffer = new byte[take];
            file.Seek(start, SeekOrigin.Begin);
            file.ReadExactly(buffer);
            var end = take;
            if (start + take < length && Array.LastIndexOf(buffer, (byte)'\n') is var nl and >= 0) end = nl + 1;
            end = CompleteCharacters(buffer, end);
            return new InstanceLogChunk(instanceId, start, start + end, length, Encoding.UTF8.GetString(buffer, 0, end), restarted, false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Started but nothing written yet, or removed by hand: an empty log, read again from its beginning.
            return new InstanceLogChunk(instanceId, 0, 0, 0, "", offset > 0, false);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines that fit in <paramref name="maxBytes"/>; the next read starts at the end.</summary>
    private static InstanceLogChunk Tail(string instanceId, FileStream file, long length, int lines, int maxBytes)
    {
        var take = (int)Math.Min(maxBytes, length);
        var buffer = new byte[take];
        file.Seek(length - take, SeekOrigin.Begin);
        file.ReadExactly(buffer);
        var end = CompleteCharacters(buffer, take);
        // Count line ends back from the end (a last line without one counts too); a cut first line is dropped.
        var from = take < length ? Array.IndexOf(buffer, (byte)'\n') + 1 : 0;
        var seen = 0;
        for (var i = end - 1; i >= from && lines > 0; i--)
        {
            if (buffer[i] != '\n' || i == end - 1) continue;
            if (++seen == lines) { from = i + 1; break; }
        }
        if (lines == 0) from = end;
        var start = length - take;
        return new InstanceLogChunk(instanceId, start + from, start + end, length, Encoding.UTF8.GetString(buffer, from, end - from), false, false);
    }

    /// <summary>The largest count ≤ <paramref name="count"/> that does not end inside a UTF-8 sequence.</summary>
    private static int CompleteCharacters(byte[] buffer, int count)
    {
        var i = count;
        var back = 0;
        while (i > 0 && back < 4 && (buffer[i - 1] & 0xC0) == 0x80) { i--; back++; }
        if (i == 0) return count;
        var lead = buffer[i - 1];
        var need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return need == back + 1 ? count : need == 1 ? count : i - 1;
    }
}
