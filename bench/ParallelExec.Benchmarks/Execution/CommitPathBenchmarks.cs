using BenchmarkDotNet.Attributes;
using ParallelExec.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// The parallel executor's serial path alone: validating and applying a whole block's outputs in
/// order into the committed prefix (<see cref="BlockOverlay.TryCommit"/> with validation), as the
/// committer does for speculated transactions, against executing the same block in order (the
/// sequential baseline). The outputs are made once, in order, so every validation passes; they sit in
/// memory outside the cache as a worker's outputs would. Ratio × sequential time per transaction is
/// the committer's cost per transaction, the Amdahl bound of the speed-up past 2 cores.
/// </summary>
[MemoryDiagnoser]
public class CommitPathBenchmarks
{
    private Workload _workload = null!;
    private TxOutput[] _outputs = [];
    private readonly BlockOverlay _overlay = new();
    private readonly SequentialExecutor _sequential = new();

    [Params(WorkloadKind.P2p, WorkloadKind.Token, WorkloadKind.Amm)]
    public WorkloadKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = Kind, Accounts = 10_000, TransactionsPerBlock = 10_000, Seed = 11 });
        var block = _workload.Blocks[0];
        _outputs = new TxOutput[block.Transactions.Count];
        var context = new TransactionContext();
        _overlay.Reset(_workload.Genesis, _outputs.Length * 4);
        for (int i = 0; i < _outputs.Length; i++)
        {
            _outputs[i] = new TxOutput();
            TransactionRunner.Run(block.Transactions[i], context, _overlay, block.Header, i, _outputs[i]);
            if (!BlockCommit.Commit(block.Transactions[i], i, _outputs[i], _overlay, context, block.Header, null))
                throw new InvalidOperationException($"transaction {i} did not commit in order");
        }
        if (ValidateAndApply() != _outputs.Length) throw new InvalidOperationException("an output made in order failed its validation");
    }

    [Benchmark(Baseline = true)]
    public BlockResult ExecuteInOrder() => _sequential.Execute(_workload.Blocks[0], _workload.Genesis);

    [Benchmark]
    public int ValidateAndApply()
    {
        _overlay.Reset(_workload.Genesis, _outputs.Length * 4);
        int committed = 0;
        for (int i = 0; i < _outputs.Length; i++)
            if (_overlay.TryCommit(_outputs[i], i, null, validate: true) == CommitResult.Committed) committed++;
        return committed;
    }
}
