using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// Commits a transaction output into the block overlay, the one place where a credit that
/// overflows turns into the transaction's failure. Shared by both executors.
/// </summary>
internal static class BlockCommit
{
    /// <summary>
    /// Commits <paramref name="output"/>. With <paramref name="validate"/> it first checks the
    /// output's reads and returns false, changing nothing, when they are stale. <paramref name="digests"/>,
    /// when given, receives the committed output's <see cref="TransactionDigest"/> at <paramref name="index"/>.
    /// </summary>
    public static bool Commit(ITransaction tx, int index, TxOutput output, BlockOverlay overlay,
        TransactionContext context, BlockHeader header, List<(int From, int To)>? dependencies, Hash256[]? digests = null, bool validate = false)
    {
        var result = overlay.TryCommit(output, index, dependencies, validate);
        if (result == CommitResult.Invalid) return false;
        if (result != CommitResult.Committed)
        {
            context.Start(overlay, header, index, tx.GasLimit, output);
            TransactionRunner.RunFailurePath(tx, context, output,
                ExecutionOutcome.Fail(FailureReason.Overflow, "a credit would pass 2^256"));
            if (overlay.TryCommit(output, index, dependencies, validate: false) != CommitResult.Committed)
            {
                output.DiscardWrites();
                overlay.TryCommit(output, index, dependencies, validate: false);
            }
        }
        if (digests is not null) digests[index] = TransactionDigest.Compute(output, overlay, index);
        return true;
    }
}
