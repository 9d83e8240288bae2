namespace ParallelExec.Execution;

/// <summary>
/// Commits a final transaction output into the block overlay, the one place where a credit that
/// overflows turns into the transaction's failure. Shared by both executors.
/// </summary>
internal static class BlockCommit
{
    public static void Commit(ITransaction tx, int index, TxOutput output, BlockOverlay overlay,
        TransactionContext context, BlockHeader header, List<(int From, int To)>? dependencies)
    {
        if (overlay.TryCommit(output, index, dependencies)) return;
        context.Start(overlay, header, index, tx.GasLimit, output);
        TransactionRunner.RunFailurePath(tx, context, output,
            ExecutionOutcome.Fail(FailureReason.Overflow, "a credit would pass 2^256"));
        if (overlay.TryCommit(output, index, dependencies)) return;
        output.DiscardWrites();
        overlay.TryCommit(output, index, dependencies);
    }
}
