using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// <c>bench --bal</c>: the parallel executor handed each block's EIP-7928 access list, as a node that
/// receives the list with its block is. The lists are recorded beforehand by a sequential run (not
/// timed) and handed over decoded; building the view from a list and checking every transaction
/// against it are timed, as they are part of executing with it. A block that did not take the
/// access-list path is an error: the row would measure something else.
/// </summary>
internal sealed class ListedExecutor : IBlockExecutor, IDisposable
{
    /// <summary>The executor name in reports.</summary>
    public const string ExecutorName = "parallel+bal";

    private readonly ParallelExecutor _inner;
    private readonly Dictionary<long, ExecutionOptions> _options;

    public ListedExecutor(ParallelExecutor inner, IReadOnlyDictionary<long, BlockAccessList> lists, ExecutionOptions baseOptions)
    {
        _inner = inner;
        _options = new Dictionary<long, ExecutionOptions>(lists.Count);
        foreach (var (number, list) in lists) _options[number] = baseOptions with { AccessList = AccessListInput.From(list) };
    }

    public string Name => ExecutorName;

    public int Workers => _inner.Workers;

    public BlockResult Execute(Block block, IStateReader state, ExecutionOptions? options = null)
    {
        var result = _inner.Execute(block, state, _options[block.Header.Number]);
        if (result.Stats.AccessList != AccessListOutcome.Used)
            throw new InvalidOperationException($"block {block.Header.Number} did not run on the access-list path ({result.Stats.AccessListProblem})");
        return result;
    }

    public void Dispose() => _inner.Dispose();

    /// <summary>Each block's access list, recorded by executing the workload sequentially from its genesis.</summary>
    public static Dictionary<long, BlockAccessList> Record(Workload workload)
    {
        var lists = new Dictionary<long, BlockAccessList>(workload.Blocks.Length);
        var state = workload.Genesis.Clone();
        var sequential = new SequentialExecutor();
        var record = new ExecutionOptions { RecordAccessList = true };
        foreach (var block in workload.Blocks)
        {
            var result = sequential.Execute(block, state, record);
            lists[block.Header.Number] = result.AccessList!;
            state.Apply(result.Changes);
        }
        return lists;
    }
}
