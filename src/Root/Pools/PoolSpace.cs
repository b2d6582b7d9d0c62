using System.Diagnostics.CodeAnalysis;
using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Root.Pools;

/// <summary>
/// The slots of one pool, numbered 0..Count-1: single addresses for address pools, equal-sized subnets for
/// the subnet pools. The pool logic only sees slot indexes; this class turns them into text and back.
///
/// Skipped slots (never handed out, refused when requested as <see cref="PoolErrorKind.Reserved"/>):
/// IPv4 address pools skip the pool's network address (offset 0) and its last address (broadcast-like;
/// e.g. 10.30.255.255); IPv6 address pools skip offset 0 (the subnet-router anycast address). Inner
/// .0/.255 addresses of an IPv4 pool are ordinary /32 Service IPs and are handed out (10.30.0.255 is
/// followed by 10.30.1.0). Subnet pools skip nothing.
/// </summary>
public abstract class PoolSpace
{
    public abstract string Prefix { get; }
    public abstract UInt128 Count { get; }
    public abstract UInt128 FirstUsable { get; }
    public abstract UInt128 LastUsable { get; }
    public abstract string Format(UInt128 slot);

    /// <summary>Parses <paramref name="text"/> to a slot, or tells why not (InvalidAddress, OutsidePool, Reserved).</summary>
    public abstract bool TrySlot(string text, out UInt128 slot, [NotNullWhen(false)] out PoolErrorKind? error);

    public bool IsUsable(UInt128 slot) => slot >= FirstUsable && slot <= LastUsable;

    public static PoolSpace Create(PoolKind kind, string prefix, int unitLength) => kind switch
    {
        PoolKind.AddressV4 => new V4Space(Ipv4Prefix.Parse(prefix), 32, skipEnds: true),
        PoolKind.SubnetV4 => new V4Space(Ipv4Prefix.Parse(prefix), unitLength, skipEnds: false),
        PoolKind.AddressV6 => new V6Space(Ipv6Prefix.Parse(prefix), 128, skipFirst: true),
        PoolKind.SubnetV6 => new V6Space(Ipv6Prefix.Parse(prefix), unitLength, skipFirst: false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private sealed class V4Space : PoolSpace
    {
        private readonly Ipv4Prefix _prefix;
        private readonly int _unit;

        public V4Space(Ipv4Prefix prefix, int unit, bool skipEnds)
        {
            if (unit < prefix.Length || unit > 32) throw new ArgumentException($"unit /{unit} does not fit in {prefix}");
            _prefix = prefix;
            _unit = unit;
            Count = UInt128.One << (unit - prefix.Length);
            // A /31 or /32 pool has no room for skipping: use every address.
            var skip = skipEnds && Count > 2;
            FirstUsable = skip ? UInt128.One : UInt128.Zero;
            LastUsable = skip ? Count - 2 : Count - 1;
        }

        public override string Prefix => _prefix.ToString();
        public override UInt128 Count { get; }
        public override UInt128 FirstUsable { get; }
        public override UInt128 LastUsable { get; }

        public override string Format(UInt128 slot) => _unit == 32
            ? _prefix.At((ulong)slot).ToString()
            : _prefix.Subnet(_unit, (ulong)slot).ToString();

        public override bool TrySlot(string text, out UInt128 slot, [NotNullWhen(false)] out PoolErrorKind? error)
        {
            slot = default;
            Ipv4Address address;
            if (_unit == 32)
            {
                if (!Ipv4Address.TryParse(text, out address)) { error = PoolErrorKind.InvalidAddress; return false; }
            }
            else
            {
                if (!Ipv4Prefix.TryParse(text, out var p) || p.Length != _unit) { error = PoolErrorKind.InvalidAddress; return false; }
                address = p.Network;
            }
            if (!_prefix.Contains(address)) { error = PoolErrorKind.OutsidePool; return false; }
            slot = _prefix.OffsetOf(address) >> (32 - _unit);
            if (!IsUsable(slot)) { error = PoolErrorKind.Reserved; return false; }
            error = null;
            return true;
        }
    }

    private sealed class V6Space : PoolSpace
    {
        private readonly Ipv6Prefix _prefix;
        private readonly int _unit;

        public V6Space(Ipv6Prefix prefix, int unit, bool skipFirst)
        {
            if (unit < prefix.Length || unit > 128 || unit - prefix.Length > 127)
                throw new ArgumentException($"unit /{unit} does not fit in {prefix}");
            _prefix = prefix;
            _unit = unit;
            Count = UInt128.One << (unit - prefix.Length);
            var skip = skipFirst && Count > 1;
            FirstUsable = skip ? UInt128.One : UInt128.Zero;
            LastUsable = Count - 1;
        }

        public override string Prefix => _prefix.ToString();
        public override UInt128 Count { get; }
        public override UInt128 FirstUsable { get; }
        public override UInt128 LastUsable { get; }

        public override string Format(UInt128 slot) => _unit == 128
            ? _prefix.At(slot).ToString()
            : _prefix.Subnet(_unit, slot).ToString();

        public override bool TrySlot(string text, out UInt128 slot, [NotNullWhen(false)] out PoolErrorKind? error)
        {
            slot = default;
            Ipv6Address address;
            if (_unit == 128)
            {
                if (!Ipv6Address.TryParse(text, out address)) { error = PoolErrorKind.InvalidAddress; return false; }
            }
            else
            {
                if (!Ipv6Prefix.TryParse(text, out var p) || p.Length != _unit) { error = PoolErrorKind.InvalidAddress; return false; }
                address = p.Network;
            }
            if (!_prefix.Contains(address)) { error = PoolErrorKind.OutsidePool; return false; }
            slot = _prefix.OffsetOf(address) >> (128 - _unit);
            if (!IsUsable(slot)) { error = PoolErrorKind.Reserved; return false; }
            error = null;
            return true;
        }
    }
}
