using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// One block of a chain file: the executable block plus what a recording run observed: the
/// post-state root (zero when unrecorded) and the dependency graph (writer → reader edges; null when
/// unrecorded). The recorded graph is information, never trusted for correctness.
/// </summary>
public sealed class ChainBlock(Block block, Hash256 expectedRoot = default, IReadOnlyList<(int From, int To)>? dependencies = null,
    BlockAccessList? accessList = null)
{
    /// <summary>The block itself.</summary>
    public Block Block { get; } = block ?? throw new ArgumentNullException(nameof(block));
    /// <summary>The block's header.</summary>
    public BlockHeader Header => Block.Header;
    /// <summary>The block's number.</summary>
    public long Number => Block.Header.Number;
    /// <summary>The block's transactions, in block order.</summary>
    public IReadOnlyList<ITransaction> Transactions => Block.Transactions;

    /// <summary>The state root after this block; all zeros when not recorded.</summary>
    public Hash256 ExpectedRoot { get; } = expectedRoot;

    /// <summary>Whether a recording run stored the state root after this block.</summary>
    public bool HasExpectedRoot => !ExpectedRoot.Equals(default);

    /// <summary>Recorded dependency edges (writer → reader), or null when not recorded.</summary>
    public IReadOnlyList<(int From, int To)>? Dependencies { get; } = dependencies;

    /// <summary>The block's recorded EIP-7928 access list (format version 2), or null when not recorded.</summary>
    public BlockAccessList? AccessList { get; } = accessList;

    /// <summary>The same block with a recorded root, dependency graph and (optionally) access list.</summary>
    public ChainBlock WithRecord(Hash256 root, IReadOnlyList<(int From, int To)>? dependencies, BlockAccessList? accessList = null) =>
        new(Block, root, dependencies, accessList);
}
