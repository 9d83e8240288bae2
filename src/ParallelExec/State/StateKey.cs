namespace ParallelExec.State;

/// <summary>
/// One location of the world state: an account field (nonce, balance, code hash) or a contract
/// storage slot (address + 32-byte slot). Every location holds a 256-bit word.
/// Ordered by address, then kind, then slot.
/// </summary>
public readonly struct StateKey : IEquatable<StateKey>, IComparable<StateKey>
{
    // Declared in this order so the two small fields share the first 8 bytes: 64 bytes a key, not the
    // 72 the order address, kind, slot took (the kind padded to the slot's 8-byte alignment), and a
    // comparison meets the cached hash first. Keys fill every output, version list, committed entry
    // and change of a block. (56, the kind in the hash's top bits and the address packed to 20 bytes,
    // put most keys across two cache lines: the committer's validate-and-apply slowed.)

    // Computed once: a key is hashed at every hop (speculative read, publish, validation, commit,
    // starting-state read). Zero means "not computed" (default(StateKey)).
    private readonly int _hash;
    /// <summary>Which field of the account, or a storage slot.</summary>
    public readonly StateKeyKind Kind;
    /// <summary>The account.</summary>
    public readonly Address Address;
    /// <summary>Storage slot; zero for account fields.</summary>
    public readonly UInt256 Slot;

    private StateKey(Address address, StateKeyKind kind, UInt256 slot)
    {
        Address = address; Kind = kind; Slot = slot;
        _hash = ComputeHash(address, kind, slot);
    }

    /// <summary>An account's nonce.</summary>
    public static StateKey Nonce(Address address) => new(address, StateKeyKind.Nonce, default);
    /// <summary>An account's balance.</summary>
    public static StateKey Balance(Address address) => new(address, StateKeyKind.Balance, default);
    /// <summary>An account's code hash.</summary>
    public static StateKey CodeHash(Address address) => new(address, StateKeyKind.CodeHash, default);
    /// <summary>Storage slot <paramref name="slot"/> of an account.</summary>
    public static StateKey Storage(Address address, UInt256 slot) => new(address, StateKeyKind.Storage, slot);

    /// <summary>A key of the given kind; the slot is ignored except for storage.</summary>
    public static StateKey Create(Address address, StateKeyKind kind, UInt256 slot) =>
        kind == StateKeyKind.Storage ? new(address, kind, slot)
        : slot.IsZero ? new(address, kind, default)
        : throw new ArgumentException("only storage keys carry a slot", nameof(slot));

    /// <summary>Whether the key is an account field (nonce, balance, code hash) rather than a storage slot.</summary>
    public bool IsAccountField => Kind != StateKeyKind.Storage;

    /// <inheritdoc/>
    public bool Equals(StateKey other) =>
        (_hash == 0 || other._hash == 0 || _hash == other._hash)
        && Kind == other.Kind && Address.Equals(other.Address) && Slot.Equals(other.Slot);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is StateKey other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => _hash != 0 ? _hash : ComputeHash(Address, Kind, Slot);

    // One seeded pass over all pieces (per-process random seed: crafted keys cannot flood a dictionary).
    // The kind is a piece of its own: packed into the address's low word, a ulong's hash would fold it
    // into that word (low ^ kind), so an account's nonce would hash like the next account's balance
    // and numbered addresses (every generated workload) would collide in pairs.
    private static int ComputeHash(Address address, StateKeyKind kind, in UInt256 slot)
    {
        int hash = HashCode.Combine(address.High, address.Middle, address.Low, (byte)kind, slot.U0, slot.U1, slot.U2, slot.U3);
        return hash == 0 ? 1 : hash;
    }
    /// <summary>Whether two keys are equal.</summary>
    public static bool operator ==(StateKey a, StateKey b) => a.Equals(b);
    /// <summary>Whether two keys differ.</summary>
    public static bool operator !=(StateKey a, StateKey b) => !a.Equals(b);

    /// <summary>Orders by address, then kind, then slot.</summary>
    public int CompareTo(StateKey other)
    {
        int c = Address.CompareTo(other.Address);
        if (c != 0) return c;
        c = (int)Kind - (int)other.Kind; // not Kind.CompareTo: Enum.CompareTo(object) boxes both kinds
        return c != 0 ? c : Slot.CompareTo(other.Slot);
    }

    /// <inheritdoc/>
    public override string ToString() => Kind == StateKeyKind.Storage
        ? $"{Address}/storage/{Slot.ToHexString()}"
        : $"{Address}/{Kind.ToString().ToLowerInvariant()}";
}
