using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>The starting state of a chain file: an embedded genesis or a reference to a parent state root.</summary>
public sealed class ChainStart
{
    private readonly Func<IEnumerable<KeyValuePair<StateKey, UInt256>>>? _sortedEntries;
    private readonly long _sortedCount;

    private ChainStart(long count, Func<IEnumerable<KeyValuePair<StateKey, UInt256>>> sortedEntries)
    {
        Kind = ChainStartKind.Genesis;
        _sortedCount = count;
        _sortedEntries = sortedEntries;
    }

    private ChainStart(ChainStartKind kind, InMemoryState? genesis, GenesisSection? section, Hash256 parentRoot, Hash256 digest = default)
    {
        GenesisDigest = digest;
        Kind = kind;
        Genesis = genesis;
        GenesisSection = section;
        ParentRoot = parentRoot;
    }

    /// <summary>Whether the chain starts from an embedded genesis or from a parent state root.</summary>
    public ChainStartKind Kind { get; }

    /// <summary>The embedded starting state when <see cref="Kind"/> is Genesis and it is held in memory; null otherwise.</summary>
    public InMemoryState? Genesis { get; }

    /// <summary>Where the embedded genesis lies in the file, when it is not held in memory (<see cref="ChainReaderOptions.GenesisInMemory"/>).</summary>
    public GenesisSection? GenesisSection { get; }

    /// <summary>
    /// SHA-256 of the embedded genesis's entries as the file encodes them (zero when not read from a
    /// file, or stepped over unchecked in a file before version 3; the end record's word when a version-3
    /// file's genesis was not checked, <see cref="ChainReaderOptions.CheckGenesis"/>): the genesis's
    /// identity, cheap to compare, which a state store created from this file records
    /// (<see cref="Storage.ChainState.Import"/>) so a resumed replay can tell it is the same chain.
    /// </summary>
    public Hash256 GenesisDigest { get; }

    /// <summary>The embedded genesis's entries in key order, from memory, streamed from the file or from their source.</summary>
    public IEnumerable<KeyValuePair<StateKey, UInt256>> GenesisEntries() =>
        Genesis is not null ? Genesis.Entries.OrderBy(e => e.Key)
        : GenesisSection?.Entries() ?? _sortedEntries?.Invoke() ?? throw new InvalidOperationException("the chain starts from a parent state root, not an embedded genesis");

    /// <summary>How many entries the embedded genesis has (zero for a chain that starts from a parent root).</summary>
    public long GenesisCount => Genesis?.Count ?? GenesisSection?.Count ?? _sortedCount;

    /// <summary>The parent state root when <see cref="Kind"/> is ParentRoot; zero otherwise.</summary>
    public Hash256 ParentRoot { get; }

    /// <summary>A chain that starts from <paramref name="genesis"/>, embedded in the file.</summary>
    public static ChainStart FromGenesis(InMemoryState genesis) =>
        new(ChainStartKind.Genesis, genesis ?? throw new ArgumentNullException(nameof(genesis)), null, default);

    internal static ChainStart FromGenesis(InMemoryState genesis, Hash256 digest) => new(ChainStartKind.Genesis, genesis, null, default, digest);

    /// <summary>A chain that starts from a genesis embedded in the file and not held in memory.</summary>
    internal static ChainStart FromGenesis(GenesisSection genesis, Hash256 digest) => new(ChainStartKind.Genesis, null, genesis, default, digest);

    /// <summary>
    /// A chain that starts from a genesis embedded in the file and never held in memory:
    /// <paramref name="sortedEntries"/> gives its <paramref name="count"/> entries in key order (by
    /// address, then kind, then slot), each key once, every time it is called (a writer checks both).
    /// </summary>
    public static ChainStart FromSortedGenesis(long count, Func<IEnumerable<KeyValuePair<StateKey, UInt256>>> sortedEntries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new(count, sortedEntries ?? throw new ArgumentNullException(nameof(sortedEntries)));
    }

    /// <summary>A chain that continues a state with root <paramref name="root"/> (not embedded).</summary>
    public static ChainStart FromParentRoot(Hash256 root) => new(ChainStartKind.ParentRoot, null, null, root);
}
