using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// A state trie opened from a root hash over a node store: nothing is read until a block touches an
/// account, which is then loaded from its account-trie leaf (fields and storage root, nodes loaded on
/// the way) and from the flat state (whether its fields are present); its storage trie opens from its
/// storage root, again reading nothing until a slot is touched.
/// </summary>
public sealed partial class StateTrie
{
    /// <summary>Where nodes not in memory are loaded from (null: the tries are whole in memory).</summary>
    private ITrieNodeSource? _nodes;

    /// <summary>Where the trie loads what is not in memory (<see cref="Open"/>, <see cref="UseNodeStore"/>); null for a trie wholly in memory.</summary>
    internal ITrieNodeSource? NodeSource => _nodes;

    /// <summary>The flat state, for which fields of a loaded account are present.</summary>
    private IStateReader? _fields;

    /// <summary>
    /// The state with root <paramref name="root"/> whose trie nodes are in <paramref name="nodes"/>
    /// (owner: empty for the account trie, keccak256(address) for a storage trie), ready at once: it
    /// reads nothing. An account is loaded when <see cref="Apply(ReadOnlySpan{StateChange}, int)"/> (or
    /// <see cref="RemoveAccountFields"/>) first touches it: nonce, balance, code hash and storage root
    /// from its leaf; and, for an account with storage, which of its fields are present from
    /// <paramref name="fields"/> (the flat state, as of <paramref name="root"/> or later: a block only
    /// adds fields, and presence is all that is read; an account with storage exists without fields).
    /// A node missing from <paramref name="nodes"/> throws <see cref="MissingTrieNodeException"/> from
    /// the call that needed it; the trie must then be opened again.
    /// </summary>
    public static StateTrie Open(ITrieNodeSource nodes, in Hash256 root, IStateReader fields)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(fields);
        var trie = new StateTrie
        {
            _nodes = nodes,
            _fields = fields,
            _accounts = MerklePatriciaTrie.Open(nodes, [], root),
            _root = root,
        };
        return trie;
    }

    /// <summary>
    /// Nodes loaded from the node source so far, account trie and the storage tries in memory together
    /// (a diagnostic: it visits every account in memory).
    /// </summary>
    public long LoadedNodeCount
    {
        get
        {
            long count = _accounts.LoadedNodeCount;
            foreach (var account in _byAddress.Accounts()) count += account.Storage?.LoadedNodeCount ?? 0;
            return count;
        }
    }

    /// <summary>
    /// Puts in memory every account-trie node that <paramref name="nodes"/> (a scan of the node store)
    /// holds below those in memory, checked against the hashes their parents name, on up to
    /// <paramref name="degreeOfParallelism"/> threads; a node it lacks stays to be loaded from the
    /// store when a block needs it. Accounts are still made from their leaves as blocks touch them,
    /// but their paths are in memory by then. Returns the nodes put in memory.
    /// </summary>
    internal long LoadFrom(ITrieNodeLookup nodes, int degreeOfParallelism) => _accounts.LoadFrom(nodes, degreeOfParallelism);

    /// <summary>The account trie's root, loaded if need be: whether it is a branch (see <see cref="MerklePatriciaTrie.ResolveRootBranch"/>).</summary>
    internal bool ResolveAccountRootBranch(out bool loaded) => _accounts.ResolveRootBranch(out loaded);

    /// <summary>Puts in place what <paramref name="nodes"/> holds of the account subtrie under the root's child <paramref name="nibble"/> (see <see cref="MerklePatriciaTrie.LoadSubtrie"/>).</summary>
    internal long LoadAccountSubtrie(ITrieNodeLookup nodes, int nibble) => _accounts.LoadSubtrie(nodes, nibble);

    /// <summary>Makes room in the table of accounts by address for <paramref name="accounts"/> (see <see cref="AccountTable.Reserve"/>).</summary>
    internal void ReserveAccounts(long accounts) => _byAddress.Reserve((int)Math.Min(accounts, 1 << 28));

    /// <summary>Accounts loaded from the node source so far.</summary>
    public long LoadedAccountCount { get; private set; }

    /// <summary>Account leaves built from the values before a block instead of read (see <see cref="Apply(ReadOnlySpan{StateChange}, int, IReadOnlyDictionary{StateKey, ValueTuple{bool, UInt256}})"/>).</summary>
    public long BuiltLeafCount => _accounts.BuiltLeafCount;

    /// <summary>
    /// The RLP bytes of the leaves built instead of read, which the node source's count of loaded bytes
    /// lacks: the account leaves <see cref="BuiltLeafCount"/> counts and the slot leaves <see cref="BuiltSlotLeafCount"/> counts.
    /// </summary>
    internal long BuiltLeafBytes => _accounts.BuiltLeafBytes + _builtSlotLeafBytes;

    // What the keys held before the changes being applied, while Apply runs (null otherwise).
    private IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? _valuesBefore;

    /// <summary>Passes of <see cref="LoadAccounts"/> that loaded on several threads (for tests).</summary>
    internal int ParallelLoads { get; private set; }

    /// <summary>Accounts a block must load below which they are loaded one by one, as Apply meets them.</summary>
    private const int ParallelLoadMinimum = 256;

    // LoadAccounts' scratch, kept from block to block: made anew, the set of a block's addresses
    // (~2 MB for 10,000 transfers) was large-object garbage every block.
    private readonly HashSet<Address> _loadSeen = new();
    private readonly List<StateAccount> _loadMissing = new();
    private readonly List<StateAccount>[] _loadBuckets = NewBuckets();
    private readonly BatchedLoadScratch[] _loadScratch = NewScratch();

    /// <summary>Account-trie nodes that <see cref="LoadAccounts"/> read in batches (for tests).</summary>
    internal long BatchedNodeLoads => _accounts.BatchedLoadCount;

    // One group of walks between batched reads (the accounts under one first nibble, or the slots of
    // one storage subtrie), kept from block to block like the buckets: the keys, where each walk
    // stopped and the leaf its value would make (computed once, when a walk first asks for it).
    private sealed class BatchedLoadScratch
    {
        public readonly List<byte[]> Keys = new();
        public readonly List<int> Walking = new(), Next = new();
        public readonly List<MerklePatriciaTrie.PendingLoad> Pending = new();
        public readonly HashSet<(TrieNode Parent, int Nibble)> Places = new();
        public MerklePatriciaTrie? Trie; // whose nodes the walks load (slot groups; the account trie's buckets are given it)
        public IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? Before; // the block's reads, which the likely values are made from
        public TrieNode?[] From = [];
        public int[] FromDepth = [];
        // What each key's likely leaf is made from: an account field's key (the account's leaf) or a
        // slot's; its value's place in _likely once made (length -1: not asked yet).
        private StateKey[] _sources = [];
        private int[] _likelyOffset = [], _likelyLength = [];
        private byte[] _likely = []; // the likely values back to back (a slot's is a few bytes, an account's ~110)
        private int _likelyUsed;

        /// <summary>
        /// Adds a key to walk; its likely leaf value is made from what <paramref name="source"/> held in
        /// <see cref="Before"/> (<see cref="LikelyAccountLeaf"/>, <see cref="LikelySlotLeaf"/>), only
        /// if a walk meets a child not in memory: through a warm trie none does.
        /// </summary>
        public void Add(byte[] key, in StateKey source)
        {
            int i = Keys.Count;
            if (From.Length <= i)
            {
                int size = Math.Max(64, From.Length * 2);
                From = new TrieNode?[size]; // empty between passes
                Array.Resize(ref FromDepth, size);
                Array.Resize(ref _sources, size);
                Array.Resize(ref _likelyOffset, size);
                Array.Resize(ref _likelyLength, size);
            }
            Keys.Add(key);
            FromDepth[i] = 0;
            _sources[i] = source;
            _likelyLength[i] = -1;
        }

        /// <summary>Key <paramref name="i"/>'s likely value for <see cref="MerklePatriciaTrie.FindLoad"/>, made on its first ask.</summary>
        public LikelyOf Likely(int i) => new(this, i);

        public readonly struct LikelyOf(BatchedLoadScratch scratch, int i) : ILikelyLeafValue
        {
            public int Write(Span<byte> destination)
            {
                var value = scratch.LikelyValue(i);
                value.CopyTo(destination);
                return value.Length;
            }
        }

        // Kept once made: a walk through a cold subtrie stops at several levels and asks at each.
        private ReadOnlySpan<byte> LikelyValue(int i)
        {
            const int Max = MerklePatriciaTrie.MaxLikelyValueLength;
            if (_likelyLength[i] < 0)
            {
                if (_likely.Length - _likelyUsed < Max) Array.Resize(ref _likely, Math.Max(64 * Max, _likely.Length * 2));
                var destination = _likely.AsSpan(_likelyUsed, Max);
                var source = _sources[i];
                int length = source.IsAccountField
                    ? new LikelyAccountLeaf(Before, source.Address).Write(destination)
                    : new LikelySlotLeaf(Before, source).Write(destination);
                length = Math.Clamp(length, 0, Max);
                _likelyOffset[i] = _likelyUsed;
                _likelyLength[i] = length;
                _likelyUsed += length;
            }
            return _likely.AsSpan(_likelyOffset[i], _likelyLength[i]);
        }

        public void Clear()
        {
            Keys.Clear();
            _likelyUsed = 0;
            Before = null;
            Trie = null;
        }
    }

    private static BatchedLoadScratch[] NewScratch()
    {
        var scratch = new BatchedLoadScratch[16];
        for (int b = 0; b < 16; b++) scratch[b] = new BatchedLoadScratch();
        return scratch;
    }

    private static List<StateAccount>[] NewBuckets()
    {
        var buckets = new List<StateAccount>[16];
        for (int b = 0; b < 16; b++) buckets[b] = new List<StateAccount>();
        return buckets;
    }

    /// <summary>
    /// Loads the accounts <paramref name="changes"/> touch that are not in memory, the account trie's
    /// sixteen subtries on up to <paramref name="degreeOfParallelism"/> threads. Each account's walk
    /// stays in the subtrie under its path's first nibble, so no two threads share a node (of the root
    /// branch, each replaces only its own child slot); the loaded accounts join the table afterwards,
    /// on this thread. Cold accounts cost a node read per level, so a block over a large state spends
    /// most of its trie update here.
    /// </summary>
    private void LoadAccounts(ReadOnlySpan<StateChange> changes, int degreeOfParallelism)
    {
        if (_nodes is null || degreeOfParallelism < 2 || changes.Length < ParallelLoadMinimum) return;
        var seen = _loadSeen;
        var missing = _loadMissing;
        seen.Clear();
        missing.Clear();
        foreach (var change in changes)
        {
            var address = change.Key.Address;
            if (seen.Add(address) && _byAddress.Find(address) is null) missing.Add(new StateAccount(address));
        }
        if (missing.Count < ParallelLoadMinimum) return; // Apply loads these few as it meets them
        long hashes = 0;
        StateAccount.ComputePaths(CollectionsMarshal.AsSpan(missing), ref hashes);
        _otherHashes += hashes;
        _accounts.TryGet(missing[0].Path, out _); // the root, loaded before the threads split
        if (_accounts.Root is BranchNode)
        {
            var buckets = _loadBuckets;
            foreach (var bucket in buckets) bucket.Clear();
            foreach (var account in missing) buckets[account.Path![0] >> 4].Add(account);
            ParallelLoads++;
            try
            {
                Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, b =>
                {
                    var bucket = buckets[b];
                    var scratch = _loadScratch[b];
                    scratch.Before = _valuesBefore;
                    foreach (var account in bucket) scratch.Add(account.Path!, StateKey.Nonce(account.Address)); // the account's leaf
                    LoadWalks(_accounts, scratch);
                    foreach (var account in bucket) Fill(account);
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw(); // a missing node, as from a serial load
            }
        }
        else
        {
            foreach (var account in missing) Fill(account);
        }
        foreach (var account in missing) _byAddress.Add(account);
        LoadedAccountCount += missing.Count;
        missing.Clear(); // an account evicted later is not kept alive by the scratch
        foreach (var bucket in _loadBuckets) bucket.Clear();
    }

    /// <summary>
    /// Loads the nodes of <paramref name="trie"/> on the paths of the keys in <paramref name="scratch"/>
    /// (of one subtrie, or of a trie no other thread walks) a level at a time, each level's nodes in
    /// one batched read of the store, before the block's own walks (<see cref="Fill"/>, a slot change
    /// being set) pass there: a block over a large state meets a cold branch for almost
    /// every key, and one lookup each was most of its trie update. Each walk goes on from where the
    /// last level stopped it, and a key's leaf is built from its likely value (the block's reads) as
    /// <see cref="MerklePatriciaTrie.TryGet{TLikely}(ReadOnlySpan{byte}, out ReadOnlySpan{byte}, TLikely)"/>
    /// would build it (the leaf's bytes made once). Stops early when the store lacks a node; the walk
    /// that reaches it then reports it. Empties the scratch's keys.
    /// </summary>
    private static void LoadWalks(MerklePatriciaTrie trie, BatchedLoadScratch scratch)
    {
        var keys = scratch.Keys;
        int count = keys.Count;
        var walking = scratch.Walking;
        var next = scratch.Next;
        var pending = scratch.Pending;
        var places = scratch.Places;
        var from = scratch.From;
        var fromDepth = scratch.FromDepth;
        walking.Clear();
        for (int i = 0; i < count; i++) walking.Add(i);
        try
        {
            while (walking.Count > 0)
            {
                next.Clear();
                pending.Clear();
                places.Clear();
                foreach (int i in walking)
                {
                    if (!trie.FindLoad(keys[i], ref from[i], ref fromDepth[i], scratch.Likely(i), out var load)) continue;
                    next.Add(i);
                    if (places.Add((load.Parent, load.Nibble))) pending.Add(load); // keys under one cold node load it once
                }
                if (pending.Count == 0 || !trie.CompleteLoads(CollectionsMarshal.AsSpan(pending))) return;
                (walking, next) = (next, walking);
            }
        }
        finally
        {
            // Nothing of this block stays reachable from the scratch (a node evicted later is not kept alive).
            Array.Clear(from, 0, count);
            scratch.Walking.Clear();
            scratch.Next.Clear();
            pending.Clear();
            places.Clear();
            scratch.Clear();
        }
    }

    /// <summary>An account not in memory yet, as the account trie and the flat state hold it.</summary>
    private StateAccount LoadAccount(in Address address)
    {
        var account = new StateAccount(address);
        long hashes = 0;
        account.ComputePath(ref hashes);
        _otherHashes += hashes;
        LoadedAccountCount++;
        Fill(account);
        return account;
    }

    /// <summary>
    /// Fills a new account (its path computed) from its account-trie leaf and, when it has storage,
    /// the flat state. Touches nothing shared but the account trie's nodes on its path: safe beside
    /// fills of accounts under other first nibbles.
    /// </summary>
    private void Fill(StateAccount account)
    {
        var address = account.Address;
        if (!_accounts.TryGet(account.Path, out var leaf, new LikelyAccountLeaf(_valuesBefore, address))) return; // absent: no field can be present either
        var items = new RlpReader(leaf).ReadList();
        account.Nonce = items.ReadUInt64();
        account.Balance = items.ReadUInt256();
        var storageRoot = items.ReadHash256();
        var codeHash = items.ReadHash256();
        account.CodeHash = codeHash == Crypto.Keccak256.OfEmpty ? UInt256.Zero : codeHash.ToUInt256();
        account.InTrie = true;
        if (storageRoot == MerklePatriciaTrie.EmptyRoot)
        {
            account.HasFields = true; // in the trie without storage: only fields make it exist
            return;
        }
        account.Storage = MerklePatriciaTrie.Open(_nodes!, account.Path, storageRoot);
        account.Storage.RecordsRemovals = _recordsRemovals;
        account.HasFields = _fields!.TryGet(StateKey.Nonce(address), out _)
            || _fields.TryGet(StateKey.Balance(address), out _)
            || _fields.TryGet(StateKey.CodeHash(address), out _);
    }

    /// <summary>
    /// The leaf value an account most likely has in the trie, from the values before the block
    /// (<see cref="_valuesBefore"/>): its fields there, a field not there taken as absent (a
    /// receiver's nonce and code hash, which a transfer does not read), and no storage. Nothing when
    /// nothing is known of the account or it did not exist.
    /// </summary>
    private readonly struct LikelyAccountLeaf(IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? before, Address address) : ILikelyLeafValue
    {
        public int Write(Span<byte> destination)
        {
            if (before is null) return 0;
            bool existed = false;
            var nonce = KnownBefore(StateKey.Nonce(address), ref existed);
            var balance = KnownBefore(StateKey.Balance(address), ref existed);
            var codeHash = KnownBefore(StateKey.CodeHash(address), ref existed);
            if (!existed || !nonce.FitsInUInt64) return 0;
            return StateAccount.EncodeLeaf(destination, nonce.U0, balance, MerklePatriciaTrie.EmptyRoot, codeHash);
        }

        private UInt256 KnownBefore(in StateKey key, ref bool existed)
        {
            if (!before!.TryGetValue(key, out var known) || !known.Existed) return UInt256.Zero;
            existed = true;
            return known.Value;
        }
    }
}
