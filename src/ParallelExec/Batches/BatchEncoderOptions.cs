using ParallelExec.State;

namespace ParallelExec.Batches;

/// <summary>What a batch says about the blocks it carries beyond the blocks themselves.</summary>
public sealed record BatchEncoderOptions
{
    /// <summary>The state root before the first block (zero when not known).</summary>
    public Hash256 PreviousRoot { get; init; }

    /// <summary>The genesis account directory to name accounts by position; null: every address goes in the batch's table.</summary>
    public AccountDirectory? Directory { get; init; }

    /// <summary>Whether the first block follows the chain's embedded genesis directly.</summary>
    public bool StartsAtGenesis { get; init; }
}
