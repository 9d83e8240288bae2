namespace ParallelExec.Cli.Benchmarking;

/// <summary>Where <c>bench --store</c> commits: the in-memory store or a RocksDB database in a temporary folder.</summary>
public enum StoreKind
{
    Memory,
    RocksDb,
}
