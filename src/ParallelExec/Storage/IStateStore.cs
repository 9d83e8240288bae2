using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// A persistent world state: the flat state (every location's value) as of the last committed block,
/// the trie nodes, one record per block (number, state root, block hash) and an undo journal for the
/// most recent blocks. Reads (<see cref="IStateReader.TryGet"/>) are safe from many threads at once, also
/// while a <see cref="Commit"/> runs (a key the commit does not change reads the same throughout; the
/// pipeline, <see cref="ChainPipeline"/>, never reads the keys it changes from the store meanwhile).
/// <see cref="Initialize"/>, <see cref="Commit"/> and <see cref="Revert"/> are single-writer; initialise
/// and revert must not overlap reads. A commit is atomic: after a crash the store is at the previous
/// block or at the new one, never in between.
/// </summary>
public interface IStateStore : IStateReader, IDisposable
{
    /// <summary>Where the store lives (a directory, or "memory"), for messages.</summary>
    string Location { get; }

    /// <summary>False for a new, empty store: <see cref="Initialize"/> it with a genesis state.</summary>
    bool IsInitialized { get; }

    /// <summary>
    /// True when <see cref="IStateReader.TryGetMany"/> costs clearly less per key than one
    /// <see cref="IStateReader.TryGet"/> per key (RocksDB's MultiGet): then a block's declared and likely keys are
    /// read in one batch before it executes (<see cref="ChainState"/>).
    /// </summary>
    bool BatchedReads => false;

    /// <summary>The starting state's record (number of the block before the first, genesis root, zero hash).</summary>
    StoredBlock Genesis { get; }

    /// <summary>The last committed block (the genesis record before the first commit).</summary>
    StoredBlock Head { get; }

    /// <summary>How many of the most recent blocks keep an undo journal (and so can be reverted).</summary>
    int JournalRetention { get; }

    /// <summary>How many blocks <see cref="Revert"/> can undo now.</summary>
    int RevertibleBlocks { get; }

    /// <summary>The record of a committed block (or the genesis) still in the store.</summary>
    bool TryGetBlock(long number, out StoredBlock block);

    /// <summary>A stored trie node by hash.</summary>
    bool TryGetTrieNode(in Hash256 hash, out byte[] rlp);

    /// <summary>Every location of the flat state (for rebuilding the state trie). Not concurrent with writes.</summary>
    IEnumerable<KeyValuePair<StateKey, UInt256>> Entries();

    /// <summary>
    /// Writes the starting state of an empty store, its trie nodes and its record. Until it returns the
    /// store is not initialised; an interrupted initialisation is reported as corrupt on the next open.
    /// </summary>
    void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, StoredBlock genesis, IEnumerable<TrieNodeRecord>? trieNodes = null);

    /// <summary>
    /// Commits one block atomically: its changes to the flat state, its new trie nodes, its record (the
    /// new head) and its undo journal (the previous value or absence of every changed key); the journal
    /// of the block that falls out of <see cref="JournalRetention"/> is pruned in the same write.
    /// <paramref name="block"/>'s number must follow the head's. <paramref name="previousValues"/>, when
    /// given, holds values read from this store since the last commit (see <see cref="RecordingStateReader"/>):
    /// the journal takes a changed key's previous value from there instead of reading the store.
    /// </summary>
    void Commit(in StoredBlock block, ReadOnlySpan<StateChange> changes, IReadOnlyCollection<TrieNodeRecord>? trieNodes = null,
        IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? previousValues = null);

    /// <summary>
    /// Undoes the last <paramref name="blocks"/> blocks atomically (flat state from the journal, block
    /// records, head) and returns the new head. Throws <see cref="StateStoreException"/>
    /// (<see cref="StateStoreError.Mismatch"/>) when fewer blocks are revertible.
    /// </summary>
    StoredBlock Revert(int blocks);
}
