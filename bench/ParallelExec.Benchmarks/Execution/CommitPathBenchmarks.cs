using BenchmarkDotNet.Attributes;
using ParallelExec.Execution;
using ParallelExec.MultiVersion;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// The parallel executor's serial path alone: validating and applying a whole block's speculative
/// outputs in order into the committed prefix (<see cref="BlockOverlay.TryCommit"/> with validation),
/// as the committer does, against executing the same block in order (the sequential baseline). The
/// outputs are made once over multi-version memory, each after the writes of all earlier ones are
/// published, so every validation passes and every read and write carries its key's id; they sit in
/// memory outside the cache as a worker's outputs would, and the next ones are prefetched while one
/// is committed, as the committer does. <c>ValidateAndApply</c> finds the committed
/// entries by those ids, as the committer does; <c>ValidateAndApplyByKey</c> by a dictionary keyed by
/// the key, as the committer did before ids. Ratio × sequential time per transaction is the
/// committer's cost per transaction, the Amdahl bound of the speed-up past 2 cores.
/// </summary>
[MemoryDiagnoser]
public class CommitPathBenchmarks
{
    private Workload _workload = null!;
    private TxOutput[] _outputs = [];
    private readonly BlockOverlay _overlay = new();
    private readonly MultiVersionMap _versions = new();
    private readonly MultiVersionMap _speculated = new();
    private readonly TransactionContext _context = new();
    private readonly TxOutput _scratch = new();
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
        _versions.Reset(_workload.Genesis, _outputs.Length * 4);
        for (int i = 0; i < _outputs.Length; i++)
        {
            _outputs[i] = new TxOutput();
            TransactionRunner.Run(block.Transactions[i], context, _versions, block.Header, i, _outputs[i]);
            _versions.Publish(i, _outputs[i]);
        }
        if (ValidateAndApply() != _outputs.Length) throw new InvalidOperationException("an output made in order failed its validation by key ids");
        if (ValidateAndApplyByKey() != _outputs.Length) throw new InvalidOperationException("an output made in order failed its validation by key");
    }

    [Benchmark(Baseline = true)]
    public BlockResult ExecuteInOrder() => _sequential.Execute(_workload.Blocks[0], _workload.Genesis);

    [Benchmark]
    public int ValidateAndApply() => Commit(_versions);

    /// <summary>
    /// The other side of the serial path, for comparison: what the workers do per transaction
    /// (execute over multi-version memory, record, publish), here on one thread in block order.
    /// </summary>
    [Benchmark]
    public int SpeculateInOrder()
    {
        var block = _workload.Blocks[0];
        _speculated.Reset(_workload.Genesis, _outputs.Length * 4);
        for (int i = 0; i < _outputs.Length; i++)
        {
            TransactionRunner.Run(block.Transactions[i], _context, _speculated, block.Header, i, _scratch);
            _speculated.Publish(i, _scratch);
        }
        return _speculated.KeyCount;
    }

    [Benchmark]
    public int ValidateAndApplyByKey() => Commit(null);

    private int Commit(MultiVersionMap? keyIds)
    {
        _overlay.Reset(_workload.Genesis, _outputs.Length * 4, keyIds);
        int committed = 0;
        for (int i = 0; i < _outputs.Length; i++)
        {
            TxOutput.PrefetchForCommit(i + 1 < _outputs.Length ? _outputs[i + 1] : null, i + 2 < _outputs.Length ? _outputs[i + 2] : null);
            if (_overlay.TryCommit(_outputs[i], i, null, validate: true) == CommitResult.Committed) committed++;
        }
        return committed;
    }
}
