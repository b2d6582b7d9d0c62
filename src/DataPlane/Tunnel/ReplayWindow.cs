namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// Sliding window over a receive direction's 64-bit counters, as in wireguard-go's replay filter: a ring
/// of 64-bit blocks, the newest counter at the front; a counter is taken once, and one more than
/// <see cref="Size"/> behind the newest is refused. Written by the one thread that reads the tunnel.
/// </summary>
/// <remarks>
/// <see cref="MayAccept"/> looks without changing anything and <see cref="Accept"/> takes the counter: the
/// caller opens the seal in between, so a forged datagram never moves the window.
/// </remarks>
internal sealed class ReplayWindow
{
    private const int BlockBitLog = 6;
    private const int BlockBits = 1 << BlockBitLog;
    private const int RingBlocks = 1 << 7;
    private const int BlockMask = RingBlocks - 1;
    private const int BitMask = BlockBits - 1;

    /// <summary>How far behind the newest counter a datagram is still taken (8128; the issue asks ≥ 2048).</summary>
    public const ulong Size = (RingBlocks - 1) * BlockBits;

    private readonly ulong[] _ring = new ulong[RingBlocks];
    private ulong _last;

    public bool MayAccept(ulong counter)
    {
        if (counter > _last) return true;
        if (_last - counter > Size) return false;
        return (_ring[(int)((counter >> BlockBitLog) & BlockMask)] & (1UL << (int)(counter & BitMask))) == 0;
    }

    public bool Accept(ulong counter)
    {
        var block = counter >> BlockBitLog;
        if (counter > _last)
        {
            // Clear the blocks the front moves over (at most the whole ring).
            var current = _last >> BlockBitLog;
            var diff = Math.Min(block - current, RingBlocks);
            for (var i = current + 1; diff > 0; i++, diff--) _ring[(int)(i & BlockMask)] = 0;
            _last = counter;
        }
        else if (_last - counter > Size) return false;
        ref var slot = ref _ring[(int)(block & BlockMask)];
        var bit = 1UL << (int)(counter & BitMask);
        if ((slot & bit) != 0) return false;
        slot |= bit;
        return true;
    }
}
