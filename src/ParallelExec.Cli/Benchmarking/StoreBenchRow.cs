namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// One end-to-end configuration (<see cref="StoreBenchRunner"/>): median wall-clock throughput of the
/// blocks, speed-up over sequential on the same store, process CPU per transaction (every stage and
/// the store's own threads), and the summed time of each stage (overlapped in the pipeline, so their
/// sum exceeds the wall time); <see cref="WaitingMs"/> is the time execution waited for the other stages.
/// </summary>
public sealed record StoreBenchRow(
    string Workload, StoreKind Store, int Accounts, string Executor, int Workers, long Txs, int Blocks,
    double Tps, double Speedup, double CpuMicrosecondsPerTx, double ExecuteMs, double RootMs, double CommitMs, double WaitingMs,
    long Reexecutions, long TrieNodes, string StateRoot);
