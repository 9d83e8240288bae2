using System.Diagnostics;
using ParallelExec.AccessLists;
using ParallelExec.Metrics;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// The reference semantics: transactions one by one, in block order, each over the state the
/// previous ones left. Not thread-safe: one block at a time per instance.
/// </summary>
public sealed class SequentialExecutor : IBlockExecutor
{
    private readonly BlockOverlay _overlay = new();
    private readonly TxOutput _output = new();
    private readonly TransactionContext _context = new();
    // Kept from block to block with its buffers (see AccessListRecorder).
    private readonly AccessListRecorder _recorder = new();

    /// <inheritdoc/>
    public string Name => "sequential";
    /// <inheritdoc/>
    public int Workers => 1;

    /// <inheritdoc/>
    public BlockResult Execute(Block block, IStateReader state, ExecutionOptions? options = null)
    {
        var result = Run(block, state, options ?? ExecutionOptions.Default);
        ExecutionMetrics.Record(result.Stats);
        return result;
    }

    /// <summary>
    /// <see cref="Execute"/> without recording the block in <see cref="ExecutionMetrics"/>: the
    /// parallel executor runs its in-order blocks here and records them as its own.
    /// </summary>
    internal BlockResult Run(Block block, IStateReader state, ExecutionOptions options)
    {
        var started = Stopwatch.GetTimestamp();
        var txs = block.Transactions;
        int n = txs.Count;
        var recorder = options.RecordAccessList ? _recorder : null;
        recorder?.Reset();
        _overlay.Reset(recorder is null ? state : new AccessListRecordingState(state, recorder), n * 4);
        var receipts = options.ResultBuffers?.RentReceipts(n) ?? new Receipt[n];
        var dependencies = options.RecordDependencies ? new List<(int, int)>() : null;
        var digests = options.RecordTransactionDigests ? new Hash256[n] : null;
        for (int i = 0; i < n; i++)
        {
            var tx = txs[i];
            TransactionRunner.Run(tx, _context, _overlay, block.Header, i, _output);
            BlockCommit.Commit(tx, i, _output, _overlay, _context, block.Header, dependencies, digests);
            receipts[i] = _output.ToReceipt(i);
        }
        var stats = new BlockExecutionStats
        {
            Executor = Name, Workers = 1, Transactions = n, Executions = n,
            CommitterExecutions = n, Elapsed = Stopwatch.GetElapsedTime(started),
        };
        var result = _overlay.CollectResult(receipts, n, options.ResultBuffers, options.RecordTouchedKeys, dependencies, stats);
        result.AccessList = recorder?.Build();
        result.CreditCheckedKeys = _overlay.CollectCreditCheckedKeys();
        result.TransactionDigests = digests;
        return result;
    }
}
