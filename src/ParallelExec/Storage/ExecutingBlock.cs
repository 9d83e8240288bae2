using ParallelExec.AccessLists;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// A block on its way from a pipeline's execute stage to its root stage. A block with an access list
/// is handed over as its execution starts, so the root stage can hash the list's post-state meanwhile
/// (<see cref="ChainState.BeginListRoot"/>) and then wait for the execution; any other block is handed
/// over executed.
/// </summary>
internal sealed class ExecutingBlock(PipelineBlock block, BlockAccessList? accessList, IStateReader before)
{
    private readonly TaskCompletionSource<ExecutedBlock> _executed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The block as the pipeline received it.</summary>
    public PipelineBlock Block { get; } = block;

    /// <summary>Its decoded access list, when the root is computed from it beside execution; else null.</summary>
    public BlockAccessList? AccessList { get; } = accessList;

    /// <summary>The state the block executes over (the state after the block before it).</summary>
    public IStateReader Before { get; } = before;

    /// <summary>The execution ended with <paramref name="executed"/>.</summary>
    public void Complete(ExecutedBlock executed) => _executed.SetResult(executed);

    /// <summary>The execution failed with <paramref name="error"/>.</summary>
    public void Fail(Exception error) => _executed.SetException(error);

    /// <summary>Waits for the execution: its result, or its exception; <see cref="OperationCanceledException"/> when <paramref name="stop"/> is cancelled first.</summary>
    public ExecutedBlock Wait(CancellationToken stop)
    {
        var task = _executed.Task;
        try
        {
            task.Wait(stop);
        }
        catch (AggregateException)
        {
            // The execution's own exception is thrown below, as it was thrown.
        }
        return task.GetAwaiter().GetResult();
    }
}
