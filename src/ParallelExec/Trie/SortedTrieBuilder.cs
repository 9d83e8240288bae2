using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Builds a secure trie (32-byte keys) from keys given in ascending order, in memory bounded by the
/// trie's depth rather than its size: each node is finished, hashed and handed to the caller as soon
/// as no later key can fall below it (geth's stack trie and reth's hash builder do the same). For
/// importing a whole state, whose trie does not fit in memory: the nodes go straight to the store.
/// <para>
/// Keys k₀ &lt; k₁ &lt; … Let lᵢ be the nibbles kᵢ shares with kᵢ₋₁ (−1 for the first key and past the
/// last). kᵢ's leaf hangs at depth max(lᵢ, lᵢ₊₁) + 1, under the branch at the depth just above; a
/// branch at depth D closes once the next key shares fewer than D nibbles with the current one, and
/// hangs under the next open branch above it (through an extension when they are more than one
/// level apart). So a key is placed once the next one is known: one key of look-ahead.
/// </para>
/// </summary>
public sealed class SortedTrieBuilder
{
    private const int KeyLength = 32;
    private const int MaxDepth = KeyLength * 2;
    private const int MaxReference = 33; // a 32-byte hash as an RLP string, or an embedded node (< 32 bytes)

    private readonly byte[] _owner;
    private readonly Action<TrieNodeRecord>? _emit;

    // The open branches, deepest last: their depth and their children's references (length 0: no child).
    private readonly int[] _branchDepth = new int[MaxDepth];
    private readonly byte[] _children = new byte[MaxDepth * 16 * MaxReference];
    private readonly byte[] _childLength = new byte[MaxDepth * 16];
    private int _open;

    // The key waiting for the next one, and what it shares with the key before it.
    private readonly byte[] _pendingKey = new byte[KeyLength];
    private byte[] _pendingValue = new byte[64];
    private int _pendingValueLength;
    private bool _hasPending;
    private int _pendingShared = -1;

    private readonly byte[] _path = new byte[MaxDepth];
    private byte[] _rlp = new byte[16 * MaxReference + 16];
    private readonly byte[] _reference = new byte[MaxReference];
    private int _referenceLength;
    private Hash256 _root = MerklePatriciaTrie.EmptyRoot;
    private bool _finished;

    /// <param name="owner">Empty for the account trie, else the 32-byte hashed address whose storage trie this is (names the nodes emitted).</param>
    /// <param name="emit">
    /// Gets every node the trie keeps by itself (RLP of 32 bytes or more, and the root): hash, RLP,
    /// owner and path. The record's bytes are valid only during the call.
    /// </param>
    public SortedTrieBuilder(ReadOnlySpan<byte> owner, Action<TrieNodeRecord>? emit)
    {
        if (!owner.IsEmpty && owner.Length != 32) throw new ArgumentException($"a trie owner is empty or 32 bytes, not {owner.Length}", nameof(owner));
        _owner = owner.ToArray();
        _emit = emit;
    }

    /// <summary>Keys added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds <paramref name="key"/> (32 bytes, above every key added before) with its non-empty <paramref name="value"/>.</summary>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_finished) throw new InvalidOperationException("the trie is already finished");
        if (key.Length != KeyLength) throw new ArgumentException($"keys are {KeyLength} bytes, not {key.Length}", nameof(key));
        if (value.IsEmpty) throw new ArgumentException("an empty value is no entry", nameof(value));
        if (_hasPending)
        {
            if (key.SequenceCompareTo(_pendingKey) <= 0) throw new ArgumentException($"keys must be strictly ascending: {Convert.ToHexString(key)} after {Convert.ToHexString(_pendingKey)}", nameof(key));
            int shared = Nibbles.CommonPrefix(_pendingKey, key, 0, MaxDepth);
            Place(shared);
            _pendingShared = shared;
        }
        key.CopyTo(_pendingKey);
        if (_pendingValue.Length < value.Length) _pendingValue = new byte[value.Length];
        value.CopyTo(_pendingValue);
        _pendingValueLength = value.Length;
        _hasPending = true;
        Count++;
    }

    /// <summary>Places the last key, closes every open branch and returns the root (the empty root for no key).</summary>
    public Hash256 Finish()
    {
        if (_finished) return _root;
        _finished = true;
        if (!_hasPending) return _root;
        Place(-1);
        // The last branch closed (or the lone leaf) is the root: always hashed, always kept.
        var rlp = _rlp.AsSpan(0, _rootLength);
        _root = Keccak256.Compute(rlp);
        if (_rootLength < 32) _emit?.Invoke(new TrieNodeRecord(_root, _rlp.AsMemory(0, _rootLength), _owner, ReadOnlyMemory<byte>.Empty));
        return _root;
    }

    private int _rootLength;

    /// <summary>Places the pending key, given the nibbles it shares with the next key (−1: none follows).</summary>
    private void Place(int nextShared)
    {
        var key = _pendingKey;
        int leafDepth = Math.Max(_pendingShared, nextShared) + 1;
        int length = EncodeLeaf(key, leafDepth);
        if (leafDepth == 0)
        {
            Finished(key, 0, length, isRoot: true);
            return;
        }
        Finished(key, leafDepth, length, isRoot: false);
        int top = OpenBranchAt(key, leafDepth - 1);
        SetChild(top, Nibbles.At(key, leafDepth - 1));

        // Close the branches the next key cannot reach.
        while (_open > 0 && _branchDepth[_open - 1] > nextShared)
        {
            int depth = _branchDepth[_open - 1];
            length = EncodeBranch(_open - 1);
            _open--;
            int parent = Math.Max(_open > 0 ? _branchDepth[_open - 1] : -1, nextShared);
            int extension = depth - parent - 1; // nibbles between the parent's slot and this branch
            bool isRoot = parent < 0 && extension == 0;
            Finished(key, depth, length, isRoot);
            if (extension > 0)
            {
                length = EncodeExtension(key, parent + 1, extension);
                Finished(key, parent + 1, length, isRoot: parent < 0);
            }
            if (parent < 0) return;
            top = OpenBranchAt(key, parent);
            SetChild(top, Nibbles.At(key, parent));
        }
    }

    /// <summary>The open branch at <paramref name="depth"/> (the deepest open one, or a new one below it).</summary>
    private int OpenBranchAt(byte[] key, int depth)
    {
        if (_open > 0 && _branchDepth[_open - 1] == depth) return _open - 1;
        int index = _open++;
        _branchDepth[index] = depth;
        _childLength.AsSpan(index * 16, 16).Clear();
        return index;
    }

    private void SetChild(int branch, int nibble)
    {
        int slot = branch * 16 + nibble;
        _reference.AsSpan(0, _referenceLength).CopyTo(_children.AsSpan(slot * MaxReference));
        _childLength[slot] = (byte)_referenceLength;
    }

    /// <summary>
    /// The node just encoded into <see cref="_rlp"/> (at <paramref name="depth"/> on <paramref name="key"/>'s
    /// path) is done: its reference goes to <see cref="_reference"/>; hashed nodes are emitted.
    /// </summary>
    private void Finished(byte[] key, int depth, int length, bool isRoot)
    {
        var rlp = _rlp.AsSpan(0, length);
        if (isRoot)
        {
            _rootLength = length;
            if (length >= 32) Emit(key, depth, rlp, Keccak256.Compute(rlp));
            return;
        }
        if (length < 32)
        {
            rlp.CopyTo(_reference);
            _referenceLength = length;
            return;
        }
        var hash = Keccak256.Compute(rlp);
        Emit(key, depth, rlp, hash);
        _reference[0] = 0x80 + 32;
        hash.WriteTo(_reference.AsSpan(1, 32));
        _referenceLength = 33;
    }

    private void Emit(byte[] key, int depth, ReadOnlySpan<byte> rlp, in Hash256 hash)
    {
        if (_emit is null) return;
        for (int i = 0; i < depth; i++) _path[i] = (byte)Nibbles.At(key, i);
        _emit(new TrieNodeRecord(hash, _rlp.AsMemory(0, rlp.Length), _owner, _path.AsMemory(0, depth)));
    }

    private int EncodeLeaf(byte[] key, int depth)
    {
        Span<byte> path = stackalloc byte[MaxDepth / 2 + 1];
        int pathLength = Nibbles.WriteHexPrefix(path, key, depth, MaxDepth - depth, isLeaf: true);
        var value = _pendingValue.AsSpan(0, _pendingValueLength);
        int payload = RlpWriter.LengthOf(path[..pathLength]) + RlpWriter.LengthOf(value);
        if (RlpWriter.LengthOfList(payload) > _rlp.Length) _rlp = new byte[RlpWriter.LengthOfList(payload)];
        int o = RlpWriter.WriteListHeader(_rlp, payload);
        o += RlpWriter.WriteString(_rlp.AsSpan(o), path[..pathLength]);
        o += RlpWriter.WriteString(_rlp.AsSpan(o), value);
        return o;
    }

    private int EncodeExtension(byte[] key, int depth, int nibbles)
    {
        Span<byte> path = stackalloc byte[MaxDepth / 2 + 1];
        int pathLength = Nibbles.WriteHexPrefix(path, key, depth, nibbles, isLeaf: false);
        var child = _reference.AsSpan(0, _referenceLength);
        int payload = RlpWriter.LengthOf(path[..pathLength]) + child.Length;
        int o = RlpWriter.WriteListHeader(_rlp, payload);
        o += RlpWriter.WriteString(_rlp.AsSpan(o), path[..pathLength]);
        child.CopyTo(_rlp.AsSpan(o));
        return o + child.Length;
    }

    private int EncodeBranch(int branch)
    {
        int payload = 1; // the empty value
        for (int i = 0; i < 16; i++)
        {
            int length = _childLength[branch * 16 + i];
            payload += length == 0 ? 1 : length;
        }
        int o = RlpWriter.WriteListHeader(_rlp, payload);
        for (int i = 0; i < 16; i++)
        {
            int slot = branch * 16 + i;
            int length = _childLength[slot];
            if (length == 0)
            {
                _rlp[o++] = RlpWriter.EmptyString;
                continue;
            }
            _children.AsSpan(slot * MaxReference, length).CopyTo(_rlp.AsSpan(o));
            o += length;
        }
        _rlp[o++] = RlpWriter.EmptyString;
        return o;
    }
}
