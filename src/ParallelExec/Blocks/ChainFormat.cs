namespace ParallelExec.Blocks;

/// <summary>Constants of the .pxb chain file format (see docs/block-format.md).</summary>
public static class ChainFormat
{
    /// <summary>The first four bytes of every chain file: "PXB" and 0x1A.</summary>
    public static ReadOnlySpan<byte> Magic => "PXB\x1A"u8;

    /// <summary>
    /// The format version this library writes (3: the end record says where the blocks start and what
    /// the genesis's digest is; 2: blocks may carry an EIP-7928 access list).
    /// </summary>
    public const ushort Version = 3;

    /// <summary>The first version whose end record locates the first block and gives the genesis's digest.</summary>
    public const ushort GenesisSummaryVersion = 3;

    /// <summary>The oldest format version this library still reads (1: no access lists).</summary>
    public const ushort OldestReadableVersion = 1;

    /// <summary>Bytes of the fixed file header: magic, version, flags, starting-state kind, reserved.</summary>
    public const int FileHeaderSize = 12;

    /// <summary>Tag byte of a block record.</summary>
    public const byte BlockTag = 0x42; // 'B'

    /// <summary>Tag byte of the end record (a file without one was cut short).</summary>
    public const byte EndTag = 0x45; // 'E'

    /// <summary>
    /// Bytes of the end record in a file of <paramref name="version"/>: tag, block count and checksum;
    /// from <see cref="GenesisSummaryVersion"/> on, with the first block's offset and the genesis's digest between.
    /// </summary>
    public static int EndRecordSize(ushort version) => version >= GenesisSummaryVersion ? 1 + 8 + 8 + 32 + 4 : 1 + 8 + 4;

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
