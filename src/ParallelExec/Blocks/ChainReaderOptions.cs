namespace ParallelExec.Blocks;

/// <summary>Bounds a reader enforces before allocating anything a file's length fields ask for.</summary>
public sealed record ChainReaderOptions
{
    /// <summary>The default bounds.</summary>
    public static readonly ChainReaderOptions Default = new();

    /// <summary>
    /// For a reader opened on a file by a caller that reads its blocks and never uses the genesis
    /// (a block's access list, a witness's block, a look at the first block): the genesis is neither
    /// held nor checked, and stepped over, with one seek in a version-3 file (<see cref="CheckGenesis"/>),
    /// so a 30 M-account file opens at once and in a few megabytes instead of holding its state.
    /// </summary>
    public static readonly ChainReaderOptions BlocksOnly = new() { GenesisInMemory = false, CheckGenesis = false };

    /// <summary>Largest block record accepted (bytes of its payload). Default 256 MiB.</summary>
    public int MaxBlockBytes { get; init; } = 256 << 20;

    /// <summary>
    /// Keep an embedded genesis in memory (<see cref="ChainStart.Genesis"/>). Off, a reader opened on a
    /// file (<see cref="ChainReader.Open"/>) checks the genesis and keeps only where it lies
    /// (<see cref="ChainStart.GenesisSection"/>), for states larger than memory.
    /// </summary>
    public bool GenesisInMemory { get; init; } = true;

    /// <summary>
    /// Decode each block's recorded access list (<see cref="ChainBlock.AccessList"/>). Off, a reader
    /// steps over the list's bytes (the record's checksum still covers them) and every block reads
    /// as having none: what a replay that does not run with the lists wants, since hashing and
    /// decoding a large block's list costs a few percent of executing it.
    /// </summary>
    public bool DecodeAccessLists { get; init; } = true;

    /// <summary>
    /// Check an embedded genesis when the file is opened (its entries' order, the starting-state
    /// checksum, <see cref="ChainStart.GenesisDigest"/>). Off, with <see cref="GenesisInMemory"/> off
    /// too, a reader opened on a file does not check the genesis: for a look at the blocks, or a caller
    /// that compares only the digest, or opens the file again, checked, before it uses the genesis. A
    /// version-3 file's end record says where the blocks start: the reader seeks there, reading none of
    /// the entries, and <see cref="ChainStart.GenesisDigest"/> is the digest the end record gives (the
    /// file's word, under the end record's checksum; a reader that reaches the end record checked
    /// compares the two). An older file's entries are stepped over (read to find their end: a malformed
    /// entry still fails, but nothing is hashed and neither the checksum nor their order is checked),
    /// and its digest is zero.
    /// </summary>
    public bool CheckGenesis { get; init; } = true;

    /// <summary>Largest embedded genesis accepted (entries). Default 2^30.</summary>
    public long MaxGenesisEntries { get; init; } = 1L << 30;
}
