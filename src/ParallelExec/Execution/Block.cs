namespace ParallelExec.Execution;

/// <summary>A block: its header and its transactions in block order.</summary>
public sealed class Block(BlockHeader header, IReadOnlyList<ITransaction> transactions)
{
    public BlockHeader Header { get; } = header;
    public IReadOnlyList<ITransaction> Transactions { get; } = transactions;
}
