namespace ParallelExec.Batches;

/// <summary>Constants of the .pxbatch compressed batch format (see docs/batches.md).</summary>
public static class BatchFormat
{
    /// <summary>The first four bytes of every batch: "PXBT".</summary>
    public static ReadOnlySpan<byte> Magic => "PXBT"u8;

    /// <summary>The format version this library reads and writes.</summary>
    public const ushort Version = 1;

    /// <summary>Header flag: address references may name an account's position in the account directory.</summary>
    public const ushort UsesDirectory = 1;

    /// <summary>Header flag: the batch's first block is the first block after the chain's embedded genesis.</summary>
    public const ushort StartsAtGenesis = 2;

    /// <summary>Largest batch accepted (bytes): the whole batch is decoded in memory.</summary>
    public const int MaxBatchBytes = 1 << 30;

    /// <summary>Smallest encoded transaction: a head byte and two one-byte address references.</summary>
    public const int MinTransactionSize = 3;

    /// <summary>Bytes of the trailing CRC-32.</summary>
    public const int ChecksumSize = 4;

    /// <summary>Bytes before the first variable-length field: magic, version, flags, previous and new root.</summary>
    public const int FixedHeaderSize = 4 + 2 + 2 + 32 + 32;
}
