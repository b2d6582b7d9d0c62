using System.Text;
using Oakestra.Actors.WorkerNode.Adapters;

namespace Oakestra.Actors.Nodes.Tests.Adapters;

/// <summary>The worker's reader of instance logs: bounded chunks that concatenate to the file, tails, rotation.</summary>
public sealed class InstanceLogReaderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"oak-logreader-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Chunks_read_on_from_next_offset_concatenate_to_the_file_and_never_split_a_character()
    {
        var text = string.Concat(Enumerable.Range(0, 400).Select(i => $"line {i} ✓ äöü €\n")) + "partial ✓";
        File.WriteAllText(_path, text);
        var read = new StringBuilder();
        long offset = 0;
        var chunks = 0;
        while (true)
        {
            var c = InstanceLogReader.Read("i", _path, offset, null, 1000);
            Assert.True(c.NextOffset - c.Offset <= 1000);
            Assert.DoesNotContain('\uFFFD', c.Text);
            read.Append(c.Text);
            chunks++;
            if (c.NextOffset == c.Length) break;
            Assert.EndsWith("\n", c.Text, StringComparison.Ordinal); // cut short: at a line end
            offset = c.NextOffset;
        }
        Assert.Equal(text, read.ToString());
        Assert.True(chunks > 5);
    }

    [Fact]
    public void A_chunk_without_a_line_end_is_cut_before_an_incomplete_character()
    {
        File.WriteAllText(_path, new string('x', 9) + "€€€"); // € is 3 bytes
        var c = InstanceLogReader.Read("i", _path, 0, null, 10);
        Assert.Equal((new string('x', 9), 9L), (c.Text, c.NextOffset));
        var rest = InstanceLogReader.Read("i", _path, c.NextOffset, null, 10);
        Assert.Equal("€€€", rest.Text);
    }

    [Theory]
    [InlineData(2, "c\nd\n")]
    [InlineData(1, "d\n")]
    [InlineData(10, "a\nb\nc\nd\n")]
    [InlineData(0, "")]
    public void Tail_gives_the_last_lines_and_the_next_read_starts_at_the_end(int lines, string expected)
    {
        File.WriteAllText(_path, "a\nb\nc\nd\n");
        var c = InstanceLogReader.Read("i", _path, 0, lines, 1000);
        Assert.Equal(expected, c.Text);
        Assert.Equal(8, c.NextOffset);
    }

    [Fact]
    public void Tail_of_a_log_longer_than_a_chunk_drops_the_cut_first_line()
    {
        File.WriteAllText(_path, string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i:D3}\n")));
        var c = InstanceLogReader.Read("i", _path, 0, 1000, 50);
        Assert.StartsWith("line", c.Text, StringComparison.Ordinal);
        Assert.EndsWith("line 099\n", c.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_offset_beyond_a_rotated_log_starts_again_at_its_beginning()
    {
        File.WriteAllText(_path, "new log\n");
        var c = InstanceLogReader.Read("i", _path, 5000, null, 1000);
        Assert.Equal(("new log\n", true, 0L), (c.Text, c.Restarted, c.Offset));
    }

    [Fact]
    public void A_missing_file_is_an_empty_log()
    {
        var c = InstanceLogReader.Read("i", _path + ".none", 0, null, 1000);
        Assert.Equal(("", 0L), (c.Text, c.Length));
    }
}
