using ParallelExec.Scheduling;

namespace ParallelExec.Execution;

/// <summary>
/// Runs one transaction into a <see cref="TxOutput"/>: its logic, and on failure the discard of its
/// writes and its failure path. Transaction faults become failed receipts; engine faults, and the
/// exceptions that depend on the machine rather than the transaction (<see cref="EnvironmentFault"/>),
/// propagate as <see cref="EngineFaultException"/>.
/// </summary>
internal static class TransactionRunner
{
    /// <summary>
    /// Runs <paramref name="tx"/>. A speculative run passes the workers' take-over notices
    /// (<paramref name="takeOvers"/>, its own at <paramref name="worker"/>): it then stops with
    /// <see cref="SpeculationAbandonedException"/> once the committer takes it over.
    /// </summary>
    public static void Run(ITransaction tx, TransactionContext context, IStateView view, BlockHeader header, int index, TxOutput output,
        PaddedInt[]? takeOvers = null, int worker = 0)
    {
        output.Reset();
        context.Start(view, header, index, tx.GasLimit, output, takeOvers, worker);
        ExecutionOutcome outcome;
        try
        {
            outcome = tx.Execute(context);
        }
        catch (TransactionFailedException e)
        {
            // Transaction code may throw it with any reason, even None: it is still a failure.
            outcome = ExecutionOutcome.Fail(e.Reason == FailureReason.None ? FailureReason.Reverted : e.Reason, e.Detail);
        }
        catch (Exception e) when (e is EngineFaultException or SpeculationAbandonedException)
        {
            throw;
        }
        catch (Exception e) when (EnvironmentFault.Is(e))
        {
            throw EnvironmentFault.Wrap(e, index);
        }
        catch (Exception e)
        {
            outcome = ExecutionOutcome.Fail(FailureReason.Threw, $"{e.GetType().Name}: {e.Message}");
        }
        output.Outcome = outcome;
        if (!outcome.IsSuccess) RunFailurePath(tx, context, output, outcome);
    }

    /// <summary>Discards the attempt's writes and applies the transaction's failure effects (fee, nonce).</summary>
    public static void RunFailurePath(ITransaction tx, TransactionContext context, TxOutput output, ExecutionOutcome failure)
    {
        output.DiscardWrites();
        output.Outcome = failure;
        context.ResetAccessBudget();
        try
        {
            tx.OnFailure(context, failure);
        }
        catch (Exception e) when (e is EngineFaultException or SpeculationAbandonedException)
        {
            throw;
        }
        catch (Exception e) when (EnvironmentFault.Is(e))
        {
            throw EnvironmentFault.Wrap(e, context.TransactionIndex);
        }
        catch (Exception)
        {
            // A failure path that itself fails leaves no effects at all.
            output.DiscardWrites();
        }
    }
}
