using System.Collections.Concurrent;
using System.Reflection;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Serialization;

/// <summary>
/// Maps <see cref="PersistedAsAttribute"/> manifests to types and back, for every loaded assembly.
/// Assemblies loaded later are scanned when an unknown manifest or type shows up.
/// </summary>
public static class PersistedTypeRegistry
{
    private static readonly ConcurrentDictionary<string, Type> ByManifest = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, string> ByType = new();
    private static readonly ConcurrentDictionary<Assembly, bool> Scanned = new();
    private static readonly Lock Gate = new();

    public static string ManifestOf(Type type)
    {
        if (ByType.TryGetValue(type, out var m)) return m;
        Register(type.Assembly);
        return ByType.TryGetValue(type, out m)
            ? m
            : throw new InvalidOperationException(
                $"{type.FullName} is an {nameof(IPersistedMessage)} without [{nameof(PersistedAsAttribute)}(\"...\")]: give it a stable manifest");
    }

    public static bool TryTypeOf(string manifest, out Type type)
    {
        if (ByManifest.TryGetValue(manifest, out type!)) return true;
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies()) Register(a);
        return ByManifest.TryGetValue(manifest, out type!);
    }

    /// <summary>Registers every [PersistedAs] type of <paramref name="assembly"/>; two types with one manifest throw.</summary>
    public static void Register(Assembly assembly)
    {
        if (assembly.IsDynamic || Scanned.ContainsKey(assembly)) return;
        lock (Gate)
        {
            if (Scanned.ContainsKey(assembly)) return;
            Type[] types;
            try { types = assembly.GetTypes(); }
            catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
            foreach (var t in types)
            {
                var attr = t.GetCustomAttribute<PersistedAsAttribute>();
                if (attr is null) continue;
                if (ByManifest.TryGetValue(attr.Manifest, out var other) && other != t)
                    throw new InvalidOperationException($"manifest '{attr.Manifest}' is used by both {other.FullName} and {t.FullName}");
                ByManifest[attr.Manifest] = t;
                ByType[t] = attr.Manifest;
            }
            Scanned[assembly] = true;
        }
    }
}
