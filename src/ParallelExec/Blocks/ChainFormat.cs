namespace ParallelExec.Blocks;

/// <summary>Constants of the .pxb chain file format (see docs/block-format.md).</summary>
public static class ChainFormat
{
    /// <summary>The first four bytes of every chain file: "PXB" and 0x1A.</summary>
    public static ReadOnlySpan<byte> Magic => "PXB\x1A"u8;

    /// <summary>The format version this library writes (2: blocks may carry an EIP-7928 access list).</summary>
    public const ushort Version = 2;

    /// <summary>The oldest format version this library still reads (1: no access lists).</summary>
    public const ushort OldestReadableVersion = 1;

    /// <summary>Bytes of the fixed file header: magic, version, flags, starting-state kind, reserved.</summary>
    public const int FileHeaderSize = 12;

    /// <summary>Tag byte of a block record.</summary>
    public const byte BlockTag = 0x42; // 'B'

    /// <summary>Tag byte of the end record (a file without one was cut short).</summary>
    public const byte EndTag = 0x45; // 'E'

    /// <summary>Bytes of a serialized state key without its slot: address and kind.</summary>
    public const int KeyPrefixSize = 21;

    /// <summary>
    /// Genesis entries between two looks at a cancellation token (and progress) wherever a whole
    /// genesis is read, written or imported: a 30 M-account genesis takes seconds to minutes.
    /// </summary>
    public const int GenesisEntriesPerCheck = 1 << 16;

    /// <summary>Smallest possible encoded transaction: a type byte and a zero length.</summary>
    public const int MinTransactionSize = 2;
}
