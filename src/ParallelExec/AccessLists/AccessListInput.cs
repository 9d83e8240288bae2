using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// An access list handed to the parallel executor with a block (<see cref="Execution.ExecutionOptions.AccessList"/>):
/// as received (RLP, with the header's <c>block_access_list_hash</c>) or already decoded, and what to do
/// when it is wrong (<see cref="AccessListMode"/>). Decoding, the hash check and the size bound are part
/// of executing with it, so a malformed or oversized list is handled like any other wrong list.
/// </summary>
public sealed class AccessListInput
{
    private readonly ReadOnlyMemory<byte> _rlp;
    private readonly Hash256? _expectedHash;
    private readonly BlockAccessList? _list;
    private readonly AccessListLimits _limits;
    private BlockAccessList? _decoded; // the RLP's decoding, once it succeeded

    private AccessListInput(BlockAccessList? list, ReadOnlyMemory<byte> rlp, Hash256? expectedHash, AccessListMode mode, AccessListLimits? limits)
    {
        _list = list;
        _rlp = rlp;
        _expectedHash = expectedHash;
        Mode = mode;
        _limits = limits ?? AccessListLimits.Default;
    }

    /// <summary>The list as received: RLP, and the hash the block header commits to (null: not checked).</summary>
    public static AccessListInput FromRlp(ReadOnlyMemory<byte> rlp, Hash256? expectedHash = null, AccessListMode mode = AccessListMode.Strict,
        AccessListLimits? limits = null) => new(null, rlp, expectedHash, mode, limits);

    /// <summary>An already decoded list (a recorded one, say).</summary>
    public static AccessListInput From(BlockAccessList list, AccessListMode mode = AccessListMode.Strict) =>
        new(list ?? throw new ArgumentNullException(nameof(list)), default, null, mode, null);

    /// <summary>Strict (the block is invalid when the list is wrong) or lenient (the list is dropped).</summary>
    public AccessListMode Mode { get; }

    /// <summary>The same list with another <see cref="AccessListMode"/>.</summary>
    public AccessListInput WithMode(AccessListMode mode) => new(_list, _rlp, _expectedHash, mode, _limits);

    /// <summary>
    /// The decoded list; throws <see cref="BlockAccessListException"/> when it is malformed, oversized or
    /// does not match its hash. Decoded once: a chain pipeline resolves it to hash the list's post-state
    /// while the executor runs with it.
    /// </summary>
    public BlockAccessList Resolve()
    {
        if (_list is not null) return _list;
        if (Volatile.Read(ref _decoded) is { } decoded) return decoded;
        if (_rlp.Length > _limits.MaxBytes)
            throw new BlockAccessListException($"block access list of {_rlp.Length} bytes exceeds the limit of {_limits.MaxBytes} bytes");
        if (_expectedHash is { } expected)
        {
            var actual = Keccak256.Compute(_rlp.Span);
            if (!actual.Equals(expected)) throw new BlockAccessListException($"block access list hash {actual} does not match the header's {expected}");
        }
        decoded = BlockAccessList.Decode(_rlp.Span, _limits);
        Volatile.Write(ref _decoded, decoded);
        return decoded;
    }
}
