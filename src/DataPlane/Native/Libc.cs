using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Native;

// The few libc entry points the data plane needs. Blittable signatures only, so LibraryImport generates
// no marshalling code and a call costs one GC transition. Error codes come from SetLastError (errno).
// Constants are the Linux generic values (identical on x86_64 and arm64).
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EIO = 5;
    public const int EINVAL = 22;
    public const int EMSGSIZE = 90;

    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;

    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;
    public const int IPPROTO_IPV6 = 41;
    public const int IPV6_V6ONLY = 26;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;
    public const int SOL_UDP = 17;
    /// <summary>UDP GSO: a cmsg (u16) or socket option giving the size the kernel cuts one send into.</summary>
    public const int UDP_SEGMENT = 103;
    /// <summary>UDP GRO: socket option (int); received coalesced runs carry a cmsg (int) with their segment size.</summary>
    public const int UDP_GRO = 104;

    public const int CLONE_NEWNET = 0x40000000;

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    // ioctl is variadic in C; on the LP64 Linux ABIs an integer or pointer third argument is passed exactly
    // like a fixed one, so two fixed-signature imports are correct.
    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlPtr(int fd, nuint request, void* arg);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlValue(int fd, nuint request, nuint value);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, byte* address, uint addressLength);

    [LibraryImport(Lib, EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, byte* address, uint* addressLength);

    [LibraryImport(Lib, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint valueLength);

    [LibraryImport(Lib, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Lib, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Lib, EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nsType);

    [LibraryImport(Lib, EntryPoint = "gettid")]
    public static partial int GetTid();

    public static int Errno => Marshal.GetLastPInvokeError();

    // OpenSSL's EVP AEAD calls, for the tunnel's AES-256-GCM (see Tunnel/EvpAesGcm.cs). Straight on the
    // library, one context per key: the runtime's AesGcm makes and tears down its context state per call
    // and throws on a failed open: 3.44/3.46 µs seal/open per 1400 B against 1.49/1.62 here (`aead`, one run, load ~15).
    private const string Crypto = "libcrypto.so.3";
    public const int EVP_CTRL_GCM_GET_TAG = 0x10;
    public const int EVP_CTRL_GCM_SET_TAG = 0x11;

    [LibraryImport(Crypto, EntryPoint = "EVP_CIPHER_CTX_new")]
    public static partial nint EvpCipherCtxNew();

    [LibraryImport(Crypto, EntryPoint = "EVP_CIPHER_CTX_free")]
    public static partial void EvpCipherCtxFree(nint ctx);

    [LibraryImport(Crypto, EntryPoint = "EVP_aes_256_gcm")]
    public static partial nint EvpAes256Gcm();

    [LibraryImport(Crypto, EntryPoint = "EVP_CipherInit_ex")]
    public static partial int EvpCipherInit(nint ctx, nint cipher, nint engine, byte* key, byte* iv, int encrypt);

    [LibraryImport(Crypto, EntryPoint = "EVP_CipherUpdate")]
    public static partial int EvpCipherUpdate(nint ctx, byte* output, int* outputLength, byte* input, int inputLength);

    [LibraryImport(Crypto, EntryPoint = "EVP_CipherFinal_ex")]
    public static partial int EvpCipherFinal(nint ctx, byte* output, int* outputLength);

    [LibraryImport(Crypto, EntryPoint = "EVP_CIPHER_CTX_ctrl")]
    public static partial int EvpCipherCtxCtrl(nint ctx, int type, int arg, void* ptr);
}

[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short REvents;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public void* Base;
    public nuint Length;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}
