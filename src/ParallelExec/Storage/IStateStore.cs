using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// A persistent world state: the flat state (every location's value) as of the last committed block,
/// the trie nodes, one record per block (number, state root, block hash) and an undo journal for the
/// most recent blocks. Reads (<see cref="IStateReader.TryGet"/>) are safe from many threads at once, also
/// while a <see cref="Commit"/> runs (a key the commit does not change reads the same throughout; the
/// pipeline, <see cref="ChainPipeline"/>, never reads the keys it changes from the store meanwhile).
/// <c>Initialize</c>, <see cref="Commit"/> and <see cref="Revert"/> are single-writer; initialise
/// and revert must not overlap reads. A commit is atomic: after a crash the store is at the previous
/// block or at the new one, never in between.
/// </summary>
public interface IStateStore : IStateReader, IDisposable
{
    /// <summary>Where the store lives (a directory, or "memory"), for messages.</summary>
    string Location { get; }

    /// <summary>False for a new, empty store: <c>Initialize</c> it with a genesis state.</summary>
    bool IsInitialized { get; }

    /// <summary>
    /// True when <see cref="IStateReader.TryGetMany"/> costs clearly less per key than one
    /// <see cref="IStateReader.TryGet"/> per key (RocksDB's MultiGet): then a block's declared and likely keys are
    /// read in one batch before it executes (<see cref="ChainState"/>).
    /// </summary>
    bool BatchedReads => false;

    /// <summary>
    /// Whether the store keeps an account's fields (nonce, balance, code hash) in one record: one read
    /// gives them all, and a commit that changes some of them rewrites the record, for which it needs the
    /// others. A block's prefetch then names all three fields of every account it names, so a commit
    /// finds the fields it leaves unchanged among the values the block saw (<see cref="ChainState"/>).
    /// </summary>
    bool KeepsAccountsWhole => false;

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

    /// <summary>
    /// The block whose trie the store's nodes are (<see cref="TryGetTrieNode"/>): the last commit,
    /// initialisation or revert that was given trie nodes. Null when the store holds no complete trie
    /// (nodes were never written, or a revert went below that block).
    /// </summary>
    StoredBlock? TrieNodesAt { get; }

    /// <summary>
    /// The stored node at <paramref name="path"/> (nibbles, one per byte) of the trie of
    /// <paramref name="owner"/> (empty: the account trie; else a storage trie's 32-byte hashed
    /// address), as of <see cref="TrieNodesAt"/>. Nodes are kept by place (<see cref="TrieNodeKey"/>),
    /// so the caller checks the bytes hash to what it expects. Safe beside reads and commits.
    /// </summary>
    bool TryGetTrieNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, out byte[] rlp);

    /// <summary>
    /// Several stored nodes of one trie at once, as <see cref="TryGetTrieNode"/> gives each:
    /// <paramref name="rlps"/>[i] is the node at <paramref name="paths"/>[i], or null. A store with a
    /// batched read answers a block's cold nodes for less than a lookup each.
    /// </summary>
    void TryGetTrieNodes(ReadOnlySpan<byte> owner, ReadOnlySpan<byte[]> paths, Span<byte[]?> rlps)
    {
        for (int i = 0; i < paths.Length; i++) rlps[i] = TryGetTrieNode(owner, paths[i], out var rlp) ? rlp : null;
    }

    /// <summary>
    /// Keeps every account record of the flat state in memory from now on, when they all fit in
    /// <paramref name="maxBytes"/>: one scan reads them, and later reads of accounts are answered from
    /// memory (commits keep it current). Returns the bytes it takes and the records it holds
    /// (<paramref name="accounts"/>); 0 when the store keeps none (the accounts do not fit, or the store
    /// has no such cache). Before blocks run: not beside a commit.
    /// </summary>
    long WarmAccountCache(long maxBytes, out long accounts)
    {
        accounts = 0;
        return 0;
    }

    /// <summary>Account reads answered from the records <see cref="WarmAccountCache"/> keeps (a lookup asking several fields counts once).</summary>
    long AccountCacheHits => 0;

    /// <summary>
    /// About how many bytes (keys and RLP) the stored nodes of the account trie take, without reading
    /// them (RocksDB: the approximate size of their key range); -1 when the store cannot tell cheaply.
    /// </summary>
    long EstimateAccountTrieBytes() => -1;

    /// <summary>
    /// Visits the stored nodes of the account trie (as of <see cref="TrieNodesAt"/>) in key order
    /// (<see cref="TrieNodeKey"/>), in one sequential read: each node's key and RLP, valid only during
    /// the call; the scan stops when <paramref name="visit"/> returns false. Returns false when the
    /// store cannot scan (then nothing was visited). Safe beside reads and commits (a snapshot).
    /// </summary>
    bool ScanAccountTrie(TrieNodeVisitor visit) => false;

    /// <summary>
    /// As <see cref="ScanAccountTrie(TrieNodeVisitor)"/>, for the nodes under the account trie's root
    /// whose path starts with nibble <paramref name="firstNibble"/> (0-15; the root itself is in none):
    /// one key range, so sixteen scans, one per nibble and each on its own thread, read the trie below
    /// the root once. Returns false when the store cannot scan a range (then nothing was visited).
    /// </summary>
    bool ScanAccountSubtrie(int firstNibble, TrieNodeVisitor visit) => false;

    /// <summary>Every location of the flat state (for rebuilding the state trie). Not concurrent with writes.</summary>
    IEnumerable<KeyValuePair<StateKey, UInt256>> Entries();

    /// <summary>
    /// Writes the starting state of an empty store, its trie nodes (then <see cref="TrieNodesAt"/> is
    /// the genesis) and its record. Until it returns the store is not initialised; an interrupted
    /// initialisation is reported as corrupt on the next open.
    /// </summary>
    void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, StoredBlock genesis, IEnumerable<TrieNodeRecord>? trieNodes = null);

    /// <summary>
    /// <see cref="Initialize(IEnumerable{KeyValuePair{StateKey, UInt256}}, StoredBlock, IEnumerable{TrieNodeRecord}?)"/>
    /// for a state whose root is known only once it has been streamed through: <paramref name="state"/>
    /// is enumerated first, then <paramref name="trieNodes"/>, then <paramref name="genesis"/> gives the
    /// record. Neither is held whole in memory by the store.
    /// </summary>
    void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, Func<StoredBlock> genesis, IEnumerable<TrieNodeRecord>? trieNodes);

    /// <summary>
    /// Commits one block atomically: its changes to the flat state, the trie nodes that changed since
    /// <see cref="TrieNodesAt"/> (when given: removals first, then writes; the block becomes
    /// <see cref="TrieNodesAt"/>), its record (the new head) and its undo journal (the previous value or absence of every changed key); the journal
    /// of the block that falls out of <see cref="JournalRetention"/> is pruned in the same write.
    /// <paramref name="block"/>'s number must follow the head's. <paramref name="previousValues"/>, when
    /// given, holds values read from this store since the last commit (see <see cref="RecordingStateReader"/>):
    /// the journal takes a changed key's previous value from there instead of reading the store.
    /// A <see cref="TrieNodeSet"/> given as <paramref name="trieNodes"/> may be cleared by the store
    /// once it holds a copy (its memory then goes before the write lands, not after): read nothing from
    /// it after the call.
    /// </summary>
    void Commit(in StoredBlock block, ReadOnlySpan<StateChange> changes, IReadOnlyCollection<TrieNodeRecord>? trieNodes = null,
        IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? previousValues = null);

    /// <summary>
    /// Undoes the last <paramref name="blocks"/> blocks atomically (flat state from the journal, block
    /// records, head; a <see cref="TrieNodesAt"/> above the new head is forgotten) and returns the new
    /// head. Throws <see cref="StateStoreException"/> (<see cref="StateStoreError.Mismatch"/>) when
    /// fewer blocks are revertible.
    /// </summary>
    StoredBlock Revert(int blocks);

    /// <summary>
    /// Writes, atomically, the trie nodes that changed between <see cref="TrieNodesAt"/> and the head
    /// <paramref name="at"/> (removals first, then writes), which becomes <see cref="TrieNodesAt"/>:
    /// after a revert, or to bring the stored trie to the head outside a commit.
    /// </summary>
    void WriteTrieNodes(IReadOnlyCollection<TrieNodeRecord> trieNodes, in StoredBlock at);

    /// <summary>
    /// Replaces every stored trie node by <paramref name="trieNodes"/>, the whole trie of
    /// <paramref name="at"/> (the head), after a rebuild from the flat state. Not atomic for a large
    /// trie: <see cref="TrieNodesAt"/> is forgotten first and set last, so an interrupted replacement
    /// leaves a store that rebuilds again on its next open.
    /// </summary>
    void ReplaceTrieNodes(IEnumerable<TrieNodeRecord> trieNodes, in StoredBlock at);
}

/// <summary>A stored trie node, by its store key (<see cref="TrieNodeKey"/>) and RLP; false stops the scan.</summary>
public delegate bool TrieNodeVisitor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> rlp);
