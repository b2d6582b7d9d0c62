using System.Text.RegularExpressions;

namespace Oakestra.Actors.Root.Api;

/// <summary>
/// What a node name may be made of: the characters of host names and of the lab's names (w1, oaklab-w1),
/// starting with a letter or digit. A node's name becomes part of file names on the workers' machines (its
/// instances' network namespaces are <c>&lt;prefix&gt;&lt;node&gt;-i&lt;host&gt;</c> under /run/netns, which
/// `oak exec` enters), so a name with '/' or a leading '.' could point outside that folder.
/// </summary>
public static partial class NodeNames
{
    public const string Rule = "1-63 characters [A-Za-z0-9._-], starting with a letter or digit";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);
}
