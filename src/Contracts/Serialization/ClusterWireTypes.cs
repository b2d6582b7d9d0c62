using System.Collections.Concurrent;
using System.Reflection;
using Akka.Util;
using Hyperion;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Serialization;

/// <summary>
/// The allow-list of what Hyperion may construct from a remote member's bytes (<see cref="ITypeFilter"/>: it asks
/// for every type name it reads, nested ones included, before loading the type). Allowed: our
/// <see cref="IClusterMessage"/> types and every type of ours their fields can hold (subtypes of our abstract
/// field types included); the plain values and collections of the base library (primitives, string, Guid,
/// times, enums, System.Collections.Generic/Immutable); Akka's surrogates for actor refs and addresses. Anything
/// else, in particular any type the sender merely names, is refused before it is loaded.
/// </summary>
public sealed class ClusterWireTypes : ITypeFilter
{
    public static ClusterWireTypes Instance { get; } = new();

    private const string OurAssemblies = "Oakestra.Actors.";
    private static readonly HashSet<string> LibraryAssemblies = new(StringComparer.Ordinal)
    {
        "System.Private.CoreLib", "mscorlib", "netstandard", "System.Runtime", "System.Collections", "System.Collections.Immutable",
        "Akka", "Akka.Remote", "Akka.Cluster",
    };
    private static readonly HashSet<Type> LibraryValues =
    [
        typeof(string), typeof(decimal), typeof(Guid), typeof(DateTime), typeof(DateTimeOffset), typeof(TimeSpan),
        typeof(DateOnly), typeof(TimeOnly), typeof(Int128), typeof(UInt128), typeof(Half), typeof(Nullable<>), typeof(System.Collections.DictionaryEntry), typeof(Akka.Actor.Address),
    ];

    private readonly ConcurrentDictionary<string, bool> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, bool> _ours = new();
    private readonly ConcurrentDictionary<Assembly, bool> _scanned = new();
    private readonly Lock _gate = new();

    public bool IsAllowed(string typeName) => _byName.GetOrAdd(typeName, Decide);

    /// <summary>Whether a type may be constructed from the wire (also what the tests check our messages against).</summary>
    public bool Allows(Type type)
    {
        if (type.IsArray) return Allows(type.GetElementType()!);
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            return Allows(type.GetGenericTypeDefinition()) && type.GetGenericArguments().All(Allows);
        if (IsOurs(type.Assembly)) return IsWireTypeOfOurs(type);
        if (!LibraryAssemblies.Contains(type.Assembly.GetName().Name ?? "")) return false;
        return type.IsPrimitive || type.IsEnum || LibraryValues.Contains(type)
               || type.Namespace is "System.Collections.Generic" or "System.Collections.Immutable"
               || type.Name.StartsWith("ValueTuple`", StringComparison.Ordinal) || type.Name.StartsWith("Tuple`", StringComparison.Ordinal)
               || typeof(StringComparer).IsAssignableFrom(type)
               // Akka's stand-ins for actor refs, paths and addresses: plain strings that Akka resolves itself.
               || (typeof(ISurrogate).IsAssignableFrom(type) && type.Assembly.GetName().Name!.StartsWith("Akka", StringComparison.Ordinal));
    }

    private bool Decide(string wireName)
    {
        // Hyperion writes the core library's version and key as ",%core%" (and puts them back before loading).
        var typeName = wireName.Replace(",%core%", "", StringComparison.Ordinal);
        // No assembly outside the list is ever loaded for a name from the wire.
        if (!AssembliesOf(typeName).All(a => a.StartsWith(OurAssemblies, StringComparison.Ordinal) || LibraryAssemblies.Contains(a))) return false;
        Type? type;
        try { type = Type.GetType(typeName, throwOnError: false); }
        catch (Exception e) when (e is ArgumentException or FileLoadException or BadImageFormatException or TypeLoadException) { return false; }
        return type is not null && Allows(type);
    }

    /// <summary>
    /// The simple assembly names in an assembly-qualified type name, generic arguments' included: between the
    /// brackets of <c>T`1[[A, AsmA],[B, AsmB]], AsmT</c> each piece is "type, assembly[, Version=…]".
    /// </summary>
    private static IEnumerable<string> AssembliesOf(string typeName) =>
        typeName.Split('[', ']')
            .SelectMany(piece => piece.Split(',').Skip(1))
            .Select(part => part.Trim())
            .Where(part => part.Length > 0 && !part.Contains('='));

    private static bool IsOurs(Assembly assembly) => assembly.GetName().Name?.StartsWith(OurAssemblies, StringComparison.Ordinal) == true;

    private bool IsWireTypeOfOurs(Type type)
    {
        if (_ours.TryGetValue(type, out var known)) return known;
        Scan(type.Assembly);
        return _ours.TryGetValue(type, out known) && known;
    }

    /// <summary>
    /// Adds every IClusterMessage of the loaded assemblies of ours and what their fields can hold. Run again when an
    /// assembly of ours shows up that was not scanned (processes load theirs lazily).
    /// </summary>
    private void Scan(Assembly trigger)
    {
        if (_scanned.ContainsKey(trigger)) return;
        lock (_gate)
        {
            var assemblies = AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && IsOurs(a)).Append(trigger).Distinct().ToArray();
            var types = assemblies.SelectMany(TypesOf).ToArray();
            var queue = new Queue<Type>(types.Where(t => typeof(IClusterMessage).IsAssignableFrom(t)));
            foreach (var t in types)
                // Collection expressions assigned to IReadOnlyList<T> compile to these; they hold items, nothing else.
                if (t.Name.StartsWith("<>z__ReadOnly", StringComparison.Ordinal)) _ours[t] = true;
            while (queue.TryDequeue(out var t))
            {
                if (t.IsArray) { queue.Enqueue(t.GetElementType()!); continue; }
                if (t.IsGenericType && !t.IsGenericTypeDefinition)
                {
                    queue.Enqueue(t.GetGenericTypeDefinition());
                    foreach (var a in t.GetGenericArguments()) queue.Enqueue(a);
                    continue;
                }
                if (t.IsGenericParameter || !IsOurs(t.Assembly) || _ours.TryGetValue(t, out var seen) && seen) continue;
                _ours[t] = true;
                if (t.IsAbstract || t.IsInterface)
                    foreach (var sub in types.Where(s => s != t && t.IsAssignableFrom(s))) queue.Enqueue(sub);
                for (var b = t; b is not null && b != typeof(object); b = b.BaseType)
                    foreach (var f in b.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                        queue.Enqueue(f.FieldType);
            }
            foreach (var a in assemblies)
            {
                _scanned[a] = true;
                foreach (var t in TypesOf(a)) _ours.TryAdd(t, false);
            }
        }
    }

    private static Type[] TypesOf(Assembly a)
    {
        try { return a.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.Where(t => t is not null).ToArray()!; }
    }
}
