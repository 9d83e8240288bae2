using System.Diagnostics;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>Creating a chain from a genesis too large for memory.</summary>
public sealed partial class ChainState
{
    /// <summary>
    /// Like <see cref="Create"/>, for a genesis of any size: <paramref name="genesis"/> (grouped by
    /// address, as a chain file and the flat state order it) is streamed once into the store's flat
    /// state and into an external sort by trie order (run files in a folder of their own inside
    /// <paramref name="scratchFolder"/>, on disk, deleted afterwards); the tries are then built from the sorted runs in memory bounded by
    /// their depth (<see cref="SortedTrieBuilder"/>) and their nodes written as they are finished.
    /// Memory stays at one sort run (<paramref name="runEntries"/> × 97 bytes) plus the store's write
    /// batches, whatever the state's size. The chain state is then opened from the store.
    /// <paramref name="genesisDigest"/> (the chain file's <see cref="Blocks.ChainStart.GenesisDigest"/>)
    /// is recorded as the genesis record's block hash: the genesis's identity, which a later replay
    /// compares instead of hashing the whole genesis again.
    /// <para>
    /// A large genesis takes minutes (30 M accounts and 30 M slots, 90 M entries: ~5 on two cores), so both passes
    /// watch <paramref name="cancellationToken"/> every <see cref="ImportCheckInterval"/> entries and
    /// report to <paramref name="progress"/> the entries handled so far, each entry counted once as it
    /// is streamed in and once as it is merged into the tries (done at twice the genesis's count).
    /// A cancelled import throws <see cref="OperationCanceledException"/> and leaves the store marked
    /// as an interrupted initialisation, which its next creating open clears to start over; the sort
    /// runs are deleted.
    /// </para>
    /// </summary>
    public static ChainState Import(IStateStore store, IEnumerable<KeyValuePair<StateKey, UInt256>> genesis, string scratchFolder, long genesisNumber = 0,
        ChainStateOptions? options = null, int runEntries = 1 << 20, Hash256 genesisDigest = default,
        CancellationToken cancellationToken = default, Action<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentException.ThrowIfNullOrEmpty(scratchFolder);
        options = Checked(options);
        if (store.IsInitialized) throw new InvalidOperationException($"the state store already holds a chain (at block {store.Head.Number})");
        var started = Stopwatch.GetTimestamp();
        using (var sorter = new HashedStateSorter(scratchFolder, runEntries))
        {
            Hash256? root = null;
            long handled = 0;
            IEnumerable<KeyValuePair<StateKey, UInt256>> IntoSorter()
            {
                foreach (var entry in genesis)
                {
                    if (++handled % ImportCheckInterval == 0) ImportStep(handled, progress, cancellationToken);
                    sorter.Add(entry.Key, entry.Value);
                    yield return entry;
                }
            }
            IEnumerable<ReadOnlyMemory<byte>> Merged()
            {
                foreach (var record in sorter.Sorted())
                {
                    if (++handled % ImportCheckInterval == 0) ImportStep(handled, progress, cancellationToken);
                    yield return record;
                }
            }
            var nodes = SortedStateTrie.Build(Merged(), r => root = r);
            StoredBlock Record()
            {
                if (root is null) Drain(nodes); // nodes not persisted: the tries are still built, for the root
                return new StoredBlock(genesisNumber, root!.Value, genesisDigest);
            }
            store.Initialize(IntoSorter(), Record, options.PersistTrieNodes ? nodes : null);
            progress?.Invoke(handled);
        }
        var chain = Open(store, options);
        chain.OpenTime = Stopwatch.GetElapsedTime(started);
        return chain;
    }

    /// <summary>
    /// The state root of <paramref name="state"/> (grouped by address), computed like <see cref="Import"/>
    /// in bounded memory, without a store.
    /// </summary>
    public static Hash256 RootOf(IEnumerable<KeyValuePair<StateKey, UInt256>> state, string scratchFolder, int runEntries = 1 << 20)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(scratchFolder);
        using var sorter = new HashedStateSorter(scratchFolder, runEntries);
        foreach (var (key, value) in state) sorter.Add(key, value);
        Hash256 root = default;
        Drain(SortedStateTrie.Build(sorter.Sorted(), r => root = r));
        return root;
    }

    /// <summary>How many entries an import handles between two looks at its cancellation token and progress.</summary>
    internal const int ImportCheckInterval = Blocks.ChainFormat.GenesisEntriesPerCheck;

    private static void ImportStep(long handled, Action<long>? progress, CancellationToken cancellationToken)
    {
        progress?.Invoke(handled);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void Drain(IEnumerable<TrieNodeRecord> nodes)
    {
        using var e = nodes.GetEnumerator();
        while (e.MoveNext())
        {
        }
    }
}
