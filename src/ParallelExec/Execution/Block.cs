namespace ParallelExec.Execution;

/// <summary>A block: its header and its transactions in block order.</summary>
public sealed class Block(BlockHeader header, IReadOnlyList<ITransaction> transactions)
{
    /// <summary>What every transaction can see about the block.</summary>
    public BlockHeader Header { get; } = header;
    /// <summary>The transactions, in block order.</summary>
    public IReadOnlyList<ITransaction> Transactions { get; } = transactions;
}
