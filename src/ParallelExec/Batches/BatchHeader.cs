using ParallelExec.State;

namespace ParallelExec.Batches;

/// <summary>
/// A batch's header: the state transition it claims (previous and new state root), the blocks it
/// carries, the fee rule and defaults every transaction shares unless it says otherwise, and the
/// account directory its references name (when any).
/// </summary>
public sealed record BatchHeader
{
    /// <summary>Format version.</summary>
    public ushort Version { get; init; } = BatchFormat.Version;
    /// <summary>The state root before the first block (zero: not known to the encoder).</summary>
    public Hash256 PreviousRoot { get; init; }
    /// <summary>The state root after the last block (zero: not recorded).</summary>
    public Hash256 NewRoot { get; init; }
    /// <summary>Whether the first block follows the chain's embedded genesis directly.</summary>
    public bool StartsAtGenesis { get; init; }
    /// <summary>Number of the first block; the others follow consecutively.</summary>
    public long FirstBlock { get; init; }
    /// <summary>Blocks carried.</summary>
    public int BlockCount { get; init; }
    /// <summary>Transactions carried, all blocks together.</summary>
    public int TransactionCount { get; init; }
    /// <summary>The fee rule: the gas price of every transaction that does not name its own.</summary>
    public ulong GasPrice { get; init; }
    /// <summary>CPU work units of every transaction that does not name its own.</summary>
    public int Work { get; init; }
    /// <summary>How hints are carried by every transaction that does not say otherwise.</summary>
    public BatchHintMode Hints { get; init; }
    /// <summary>Accounts in the directory references name; 0 when the batch names none.</summary>
    public int DirectoryCount { get; init; }
    /// <summary>The directory's <see cref="AccountDirectory.Hash"/>; zero when the batch names none.</summary>
    public Hash256 DirectoryHash { get; init; }
    /// <summary>Whether references may name directory positions (then <see cref="DirectoryCount"/> and <see cref="DirectoryHash"/> name the directory).</summary>
    public bool UsesDirectory { get; init; }
    /// <summary>Entries in the batch's address table.</summary>
    public int TableCount { get; init; }
}
