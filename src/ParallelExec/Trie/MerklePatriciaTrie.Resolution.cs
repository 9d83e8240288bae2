using System.Runtime.CompilerServices;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Tries opened from a root hash: nodes not in memory are <see cref="UnresolvedNode"/>s, loaded from
/// the <see cref="ITrieNodeSource"/> when a walk (a read, an update, a deletion, an iteration) reaches
/// them, checked against their hash and decoded in their parent's place. A walk resolves everything
/// on its way before it changes anything, so a <see cref="MissingTrieNodeException"/> leaves the trie
/// as it was (only some nodes more in memory); <see cref="SetMany"/> may have set some of its keys
/// by then, each whole.
/// </summary>
public sealed partial class MerklePatriciaTrie
{
    private ITrieNodeSource? _source;
    private byte[] _owner = [];
    private long _loadedNodes;
    /// <summary>False for a trie opened from a source: its keys in the store are not counted.</summary>
    private bool _countKnown = true;

    /// <summary>An empty trie (with no node source).</summary>
    public MerklePatriciaTrie()
    {
    }

    /// <summary>An empty trie whose nodes belong to <paramref name="owner"/> (a storage trie's hashed address) in a node store.</summary>
    internal MerklePatriciaTrie(byte[] owner) => _owner = owner;

    /// <summary>
    /// The trie with root <paramref name="root"/> whose nodes are in <paramref name="source"/>, under
    /// <paramref name="owner"/> (empty: the account trie; else the storage trie's 32-byte hashed
    /// address). Reads nothing: every node, the root included, is loaded when a walk first reaches
    /// it (and a missing one throws <see cref="MissingTrieNodeException"/> then);
    /// <see cref="ComputeRoot(int)"/> before any change gives <paramref name="root"/>.
    /// </summary>
    public static MerklePatriciaTrie Open(ITrieNodeSource source, ReadOnlySpan<byte> owner, in Hash256 root)
    {
        ArgumentNullException.ThrowIfNull(source);
        var trie = new MerklePatriciaTrie { _source = source, _owner = owner.ToArray() };
        if (root == EmptyRoot) return trie;
        trie._root = new UnresolvedNode(root);
        trie._countKnown = false;
        trie._rootHash = root;
        return trie;
    }

    /// <summary>Loads the root if it is not in memory yet: every walk starts here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ResolveRoot()
    {
        if (_root is UnresolvedNode unresolved) _root = Load(unresolved.Hash, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>
    /// Whether the places of stored nodes that vanish are logged, for <see cref="ComputeRoot(int, TrieNodeSet, bool)"/>
    /// to export as removal records (see <see cref="TrieRemovalLog"/>). Off by default: a store keyed
    /// by hash has no use for them, and the log would only grow.
    /// </summary>
    internal bool RecordsRemovals
    {
        get => _removals is not null;
        set => _removals = value ? _removals ?? new TrieRemovalLog() : null;
    }

    private TrieRemovalLog? _removals;

    /// <summary>Places logged for removal and not exported yet.</summary>
    internal int PendingRemovals => _removals?.Count ?? 0;

    /// <summary>Moves the places logged for removal into <paramref name="export"/> as removal records.</summary>
    internal void ExportRemovals(TrieNodeSet export, bool concurrent)
    {
        if (_removals is null || _removals.Count == 0) return;
        if (!concurrent) _removals.MoveTo(export, _owner);
        else lock (export) _removals.MoveTo(export, _owner);
    }

    /// <summary>Nodes loaded from the node source so far.</summary>
    public long LoadedNodeCount => Interlocked.Read(ref _loadedNodes);

    /// <summary>Leaves put in place of a load from a value the caller knew (<see cref="TryBuildLeaf"/>), so far.</summary>
    public long BuiltLeafCount => Interlocked.Read(ref _builtLeaves);

    /// <summary>The RLP bytes of those leaves: memory they take as loaded nodes would (a budget counts both).</summary>
    internal long BuiltLeafBytes => Interlocked.Read(ref _builtLeafBytes);

    private long _builtLeaves, _builtLeafBytes;

    /// <summary>The trie's owner in its node source: empty for the account trie, else a storage trie's hashed address.</summary>
    internal ReadOnlySpan<byte> Owner => _owner;

    /// <summary>Where nodes not in memory are loaded from (null for a trie built in memory).</summary>
    internal ITrieNodeSource? Source => _source;

    /// <summary>Loads, checks and decodes the node <paramref name="hash"/> at <paramref name="path"/> (nibbles).</summary>
    private TrieNode Load(in Hash256 hash, ReadOnlySpan<byte> path)
    {
        if (_source is null) throw new InvalidOperationException("a trie without a node source reached a node not in memory");
        var rlp = _source.LoadChecked(_owner, path, hash);
        Interlocked.Increment(ref _loadedNodes);
        return DecodeLoaded(rlp, path, hash);
    }

    /// <summary>Decodes the node <paramref name="hash"/> (its bytes already checked) loaded at <paramref name="path"/> of this trie.</summary>
    private TrieNode DecodeLoaded(ReadOnlySpan<byte> rlp, ReadOnlySpan<byte> path, in Hash256 hash)
    {
        Span<byte> hashBytes = stackalloc byte[Hash256.Size];
        hash.WriteTo(hashBytes);
        return TrieNodeDecoder.Decode(rlp, path, _owner, hashBytes);
    }

    /// <summary>Loads the node <paramref name="hash"/>, which lies at nibbles [0, <paramref name="depth"/>) of <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private TrieNode Resolve(in Hash256 hash, ReadOnlySpan<byte> key, int depth)
    {
        Span<byte> path = depth <= 128 ? stackalloc byte[depth] : new byte[depth];
        for (int i = 0; i < depth; i++) path[i] = (byte)Nibbles.At(key, i);
        return Load(hash, path);
    }

    /// <summary>Child <paramref name="nibble"/> of a branch on <paramref name="key"/>'s path (at <paramref name="childDepth"/>), loaded if need be.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TrieNode? ChildOf(BranchNode branch, int nibble, ReadOnlySpan<byte> key, int childDepth)
    {
        var child = branch.Children[nibble];
        if (child is UnresolvedNode)
        {
            child = Resolve(branch.UnresolvedChildHash(nibble), key, childDepth);
            branch.ResolveChild(nibble, child);
        }
        return child;
    }

    /// <summary>
    /// The leaf of <paramref name="key"/> holding <paramref name="value"/> at child <paramref name="nibble"/>
    /// of <paramref name="branch"/> (at <paramref name="childDepth"/>), put in place of that unresolved
    /// child when its hash is the one the branch names, else null (the child is something else: a
    /// branch, an extension, another key's leaf, or this key's leaf with other bytes). Equal hashes
    /// mean equal bytes, so the leaf is the stored node, with no read: a caller that knows what a key
    /// held (a block's reads of the flat state) saves the store read of its leaf, the costliest part
    /// of a cold account's walk.
    /// </summary>
    [SkipLocalsInit]
    private LeafNode? TryBuildLeaf(BranchNode branch, int nibble, ReadOnlySpan<byte> key, int childDepth, ReadOnlySpan<byte> value)
    {
        int length = TrieHasher.LeafLength(key.Length * 2 - childDepth, value);
        // A node under 32 bytes is embedded in its parent, never unresolved; a long value is no account.
        if (length < NodeReference.HashLength || length > MaxBuiltLeafLength) return null;
        Span<byte> rlp = stackalloc byte[MaxBuiltLeafLength];
        TrieHasher.WriteLeaf(rlp, key, childDepth, value);
        Span<byte> hash = stackalloc byte[Hash256.Size];
        Crypto.Keccak256.Compute(rlp[..length], hash);
        if (!branch.UnresolvedChildHash(nibble).Equals(new Hash256(hash))) return null;
        var leaf = new LeafNode(key.ToArray(), value.ToArray()) { Stored = true }; // as a load decodes it
        hash.CopyTo(leaf.Reference.Bytes);
        leaf.Reference.Length = NodeReference.HashLength;
        branch.ResolveChild(nibble, leaf);
        Interlocked.Increment(ref _builtLeaves);
        Interlocked.Add(ref _builtLeafBytes, length);
        return leaf;
    }

    /// <summary>The longest leaf <see cref="TryBuildLeaf"/> builds: the longest likely value (<see cref="MaxLikelyValueLength"/>) with a whole path.</summary>
    private const int MaxBuiltLeafLength = 256;

    /// <summary>An extension's child on <paramref name="key"/>'s path (at <paramref name="childDepth"/>), loaded if need be.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TrieNode ChildOf(ExtensionNode ext, ReadOnlySpan<byte> key, int childDepth)
    {
        var child = ext.Child;
        if (child is UnresolvedNode unresolved) ext.Child = child = Resolve(unresolved.Hash, key, childDepth);
        return child;
    }

    /// <summary>
    /// Before a removal below child <paramref name="nibble"/> (-1: the branch's own value) of a branch
    /// at <paramref name="depth"/> on <paramref name="key"/>'s path that may leave the branch a single
    /// entry, loads that entry: the collapse must know what it is, and nothing has changed yet.
    /// </summary>
    private void ResolveLoneSibling(BranchNode branch, int nibble, ReadOnlySpan<byte> key, int depth)
    {
        int entries = branch.Value is null ? 0 : 1, other = -1;
        var children = branch.Children;
        for (int i = 0; i < 16; i++)
        {
            if (children[i] is null) continue;
            entries++;
            if (i != nibble) other = i;
        }
        if (entries != 2 || other < 0 || children[other] is not UnresolvedNode) return;
        var path = new byte[depth + 1];
        for (int i = 0; i < depth; i++) path[i] = (byte)Nibbles.At(key, i);
        path[depth] = (byte)other;
        branch.ResolveChild(other, Load(branch.UnresolvedChildHash(other), path));
    }

    /// <summary>
    /// <paramref name="node"/>, at nibbles [0, <paramref name="depth"/>) of <paramref name="key"/>
    /// (then <paramref name="nibble"/> unless -1), leaves that place: if it was stored there, the
    /// place is logged for removal (when removals are recorded).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Vanish(TrieNode node, ReadOnlySpan<byte> key, int depth, int nibble = -1)
    {
        if (!node.Stored) return;
        node.Stored = false;
        _removals?.Record(key, depth, nibble);
    }

    /// <summary>
    /// A key whose nibbles [0, <paramref name="depth"/>) are <paramref name="key"/>'s and nibble
    /// <paramref name="depth"/> is <paramref name="nibble"/>: the key source of an extension of one
    /// nibble over a branch none of whose keys is in memory.
    /// </summary>
    private static byte[] KeyThrough(ReadOnlySpan<byte> key, int depth, int nibble)
    {
        var through = new byte[depth / 2 + 1];
        key[..(depth / 2)].CopyTo(through);
        if ((depth & 1) == 1) through[depth / 2] = (byte)((key[depth / 2] & 0xf0) | nibble);
        else through[depth / 2] = (byte)(nibble << 4);
        return through;
    }
}
