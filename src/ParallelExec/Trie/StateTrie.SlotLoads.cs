using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Loading the storage-trie nodes a block's slot changes need before they are applied: a contract
/// that holds many slots (a token's balances) is a large trie of its own, in which a block meets a
/// cold node or two for every slot it changes.
/// </summary>
public sealed partial class StateTrie
{
    /// <summary>Slot changes of one storage trie from which they are loaded in batches (fewer load as the changes meet them).</summary>
    private const int BatchedSlotMinimum = 64;

    // LoadSlots' scratch, kept from block to block: a block's slot changes by account, the slots'
    // paths by change (used again when the changes are applied), and the groups of walks.
    private readonly Dictionary<Address, List<int>> _slotChanges = new();
    private readonly Stack<List<int>> _spareSlotLists = new();
    private readonly List<BatchedLoadScratch> _slotScratch = new();
    private readonly List<MerklePatriciaTrie> _slotTries = new();
    private byte[]?[] _slotPaths = [];

    /// <summary>Storage-trie nodes read in batches so far (for tests).</summary>
    internal long BatchedSlotNodeLoads { get; private set; }

    /// <summary>Storage-trie leaves built from the values before a block instead of read (<see cref="LoadSlots"/>), and their RLP bytes.</summary>
    internal long BuiltSlotLeafCount { get; private set; }

    private long _builtSlotLeafBytes;

    /// <summary>
    /// Loads, in batches, the storage-trie nodes on the paths of the slots <paramref name="changes"/>
    /// sets in every storage trie it changes <see cref="BatchedSlotMinimum"/> slots or more of: a
    /// trie's walks are split under its root's sixteen children when there are enough of them, and
    /// every group runs on up to <paramref name="degreeOfParallelism"/> threads (no two groups share a
    /// node). Each slot's leaf is built from its value before the block when the block read it.
    /// Computes those slots' paths into <see cref="_slotPaths"/> (by change), which the apply that
    /// follows takes instead of hashing the slots again. The accounts of those tries are loaded first.
    /// </summary>
    private void LoadSlots(ReadOnlySpan<StateChange> changes, int degreeOfParallelism)
    {
        if (_nodes is null || changes.Length < BatchedSlotMinimum) return;
        try
        {
            int groups = GroupSlotWalks(changes, degreeOfParallelism);
            if (groups == 0) return;
            var before = SlotTrieCounts();
            try
            {
                Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, degreeOfParallelism) }, g =>
                {
                    var scratch = _slotScratch[g];
                    if (scratch.Keys.Count > 0) LoadWalks(scratch.Trie!, scratch);
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw(); // a node the store lacks, reported as a single load reports it
            }
            var after = SlotTrieCounts();
            BatchedSlotNodeLoads += after.Loads - before.Loads;
            BuiltSlotLeafCount += after.Leaves - before.Leaves;
            _builtSlotLeafBytes += after.LeafBytes - before.LeafBytes;
        }
        finally
        {
            foreach (var scratch in _slotScratch) scratch.Clear();
            _slotTries.Clear();
            foreach (var list in _slotChanges.Values)
            {
                list.Clear();
                _spareSlotLists.Push(list);
            }
            _slotChanges.Clear();
        }
    }

    /// <summary>
    /// Groups the slot changes by contract and puts the walks of each contract with enough of them
    /// into <see cref="_slotScratch"/> (sixteen groups, one per child of its root, or one), with each
    /// slot's path (kept in <see cref="_slotPaths"/>) and likely leaf value. Returns the groups filled.
    /// </summary>
    private int GroupSlotWalks(ReadOnlySpan<StateChange> changes, int degreeOfParallelism)
    {
        var byAccount = _slotChanges;
        for (int i = 0; i < changes.Length; i++)
        {
            var key = changes[i].Key;
            if (key.Kind != StateKeyKind.Storage) continue;
            if (!byAccount.TryGetValue(key.Address, out var list))
                byAccount[key.Address] = list = _spareSlotLists.Count > 0 ? _spareSlotLists.Pop() : new List<int>();
            list.Add(i);
        }
        int groups = 0;
        long hashes = 0;
        foreach (var (address, indexes) in byAccount)
        {
            if (indexes.Count < BatchedSlotMinimum) continue;
            var storage = FindOrLoad(address).Storage;
            if (storage is null) continue; // no stored storage: nothing to load
            if (_slotPaths.Length < changes.Length) _slotPaths = new byte[]?[Math.Max(changes.Length, _slotPaths.Length * 2)];
            bool split = degreeOfParallelism > 1 && indexes.Count >= ParallelLoadMinimum && storage.ResolveRootBranch(out _);
            _slotTries.Add(storage);
            int first = groups;
            groups += split ? 16 : 1;
            while (_slotScratch.Count < groups) _slotScratch.Add(new BatchedLoadScratch());
            for (int g = first; g < groups; g++) (_slotScratch[g].Trie, _slotScratch[g].Before) = (storage, _valuesBefore);
            foreach (int i in indexes)
            {
                var key = changes[i].Key;
                var path = SlotPath(key.Slot);
                hashes++;
                _slotPaths[i] = path;
                _slotScratch[split ? first + (path[0] >> 4) : first].Add(path, key);
            }
        }
        _otherHashes += hashes;
        return groups;
    }

    // What the storage tries being loaded have counted so far: nodes read in batches, leaves built and their bytes.
    private (long Loads, long Leaves, long LeafBytes) SlotTrieCounts()
    {
        long loads = 0, leaves = 0, bytes = 0;
        foreach (var trie in _slotTries)
        {
            loads += trie.BatchedLoadCount;
            leaves += trie.BuiltLeafCount;
            bytes += trie.BuiltLeafBytes;
        }
        return (loads, leaves, bytes);
    }

    /// <summary>The account at <paramref name="address"/>, loaded into the table if it is not there (not marked dirty).</summary>
    private StateAccount FindOrLoad(in Address address)
    {
        var account = _byAddress.Find(address);
        if (account is null)
        {
            account = _nodes is null ? new StateAccount(address) : LoadAccount(address);
            _byAddress.Add(account);
        }
        return account;
    }

    /// <summary>keccak256 of the slot's 32 big-endian bytes: its key in the storage trie.</summary>
    [SkipLocalsInit]
    private static byte[] SlotPath(in UInt256 slot)
    {
        Span<byte> slotBytes = stackalloc byte[32];
        slot.WriteBigEndian(slotBytes);
        var path = new byte[32];
        Keccak256.Compute(slotBytes, path);
        return path;
    }

    /// <summary>
    /// The leaf value a slot most likely has in its storage trie, from the values before the block
    /// (<see cref="_valuesBefore"/>): RLP of its value there. Nothing when the block did not read it
    /// or it was zero (not in the trie).
    /// </summary>
    private readonly struct LikelySlotLeaf(IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? before, StateKey key) : ILikelyLeafValue
    {
        public int Write(Span<byte> destination)
        {
            if (before is null || !before.TryGetValue(key, out var known) || !known.Existed || known.Value.IsZero) return 0;
            return RlpWriter.Write(destination, known.Value);
        }
    }
}
