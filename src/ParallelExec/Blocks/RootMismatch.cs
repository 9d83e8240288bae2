using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// A block whose computed post-state root differs from the root recorded in the file, with what
/// could be found about where: <see cref="Detail"/> names the first key on which the parallel and
/// sequential executions differ, or says that both agree (then the file's transactions or root, or
/// the state it started from, are not what produced the recorded root).
/// </summary>
public sealed record RootMismatch(long BlockNumber, Hash256 Expected, Hash256 Actual, string? Detail = null)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"block {BlockNumber}: state root mismatch: expected {Expected}, got {Actual}{(Detail is null ? "" : "; " + Detail)}";

    /// <summary>
    /// Re-executes the block sequentially over the same starting state and compares with
    /// <paramref name="result"/>: the first differing receipt, change or touched key (when the result
    /// has them), if any.
    /// </summary>
    public static string Diagnose(Block block, IStateReader preState, BlockResult result)
    {
        if (result.Stats.Executor == "sequential")
            return "the recorded root was not produced by this block over this state (no key can be named: the file holds roots, not states)";
        // A result made without touched keys (a replay's) is compared without them.
        var reference = new SequentialExecutor().Execute(block, preState, new ExecutionOptions { RecordTouchedKeys = result.TouchedKeys.Length > 0 });
        var difference = reference.DescribeFirstDifference(result);
        return difference is null
            ? "sequential execution gives the same result, so the block's transactions or recorded root (or its starting state) differ from what produced it"
            : $"parallel and sequential execution differ, first at {difference}";
    }
}
