using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ParallelExec.State;
using ParallelExec.Trie;
using ParallelExec.Crypto;

namespace ParallelExec.Benchmarks.Trie;

/// <summary>
/// State roots from scratch (build and hash every node) for 10k, 100k and 1M accounts, on 1 and 2
/// threads, next to two floors: bare Keccak over inputs of the same lengths as the hashed nodes and
/// addresses, one at a time (scalar) and through the batch hasher the trie uses.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class TrieBenchmarks
{
    private List<KeyValuePair<StateKey, UInt256>> _state = [];
    private List<int> _floorLengths = [];
    private readonly byte[] _buffer = new byte[1024];
    private readonly byte[] _digest = new byte[32];
    private readonly byte[] _digests = BenchmarkAccounts.BatchDigests();
    private int[] _floorLengthArray = [];

    [Params(10_000, 100_000, 1_000_000)]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _state = BenchmarkAccounts.State(Accounts);
        _floorLengths = BenchmarkAccounts.NodeLengths(BenchmarkAccounts.AccountTrie(Accounts), Accounts, dirtyOnly: false);
        _floorLengthArray = [.. _floorLengths];
        new Random(1).NextBytes(_buffer);
    }

    [Benchmark(Baseline = true)]
    public byte KeccakFloor() => BenchmarkAccounts.Floor(_floorLengths, _buffer, _digest);

    [Benchmark]
    public byte KeccakBatchFloor() => BenchmarkAccounts.BatchFloor(_floorLengthArray, _buffer, _digests);

    [Benchmark]
    public Hash256 FromScratch1Thread() => StateTrie.FromState(_state, degreeOfParallelism: 1).ComputeRoot();

    [Benchmark]
    public Hash256 FromScratch2Threads() => StateTrie.FromState(_state, degreeOfParallelism: 2).ComputeRoot(2);
}

/// <summary>
/// Incremental roots: 1k or 20k random accounts of 1M get new balances, then the root is recomputed
/// (only touched paths are re-hashed); the floors hash the same node-sized inputs with bare Keccak,
/// scalar and batched.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class TrieIncrementalBenchmarks
{
    private const int Total = 1_000_000;
    private StateTrie _trie = null!;
    private readonly Random _random = new(7);
    private StateChange[] _changes = [];
    private List<int> _floorLengths = [];
    private readonly byte[] _buffer = new byte[1024];
    private readonly byte[] _digest = new byte[32];
    private readonly byte[] _digests = BenchmarkAccounts.BatchDigests();
    private int[] _floorLengthArray = [];

    [Params(1_000, 20_000)]
    public int Touched { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _trie = StateTrie.FromState(BenchmarkAccounts.State(Total), degreeOfParallelism: 2);
        var accountTrie = BenchmarkAccounts.AccountTrie(Total);
        var random = new Random(3);
        var rlp = new byte[120];
        Span<byte> address = stackalloc byte[Address.Size];
        Span<byte> path = stackalloc byte[32];
        for (int i = 0; i < Touched; i++)
        {
            Address.FromNumber((ulong)random.Next(Total)).WriteTo(address);
            Keccak256.Compute(address, path);
            accountTrie.Set(path, BenchmarkAccounts.EncodeAccount(rlp, 1, new UInt256((ulong)random.NextInt64())));
        }
        _floorLengths = BenchmarkAccounts.NodeLengths(accountTrie, 0, dirtyOnly: true);
        _floorLengthArray = [.. _floorLengths];
        new Random(1).NextBytes(_buffer);
    }

    [IterationSetup]
    public void NextBlock() => _changes = BenchmarkAccounts.Touch(_random, Total, Touched);

    [Benchmark(Baseline = true)]
    public byte KeccakFloor() => BenchmarkAccounts.Floor(_floorLengths, _buffer, _digest);

    [Benchmark]
    public byte KeccakBatchFloor() => BenchmarkAccounts.BatchFloor(_floorLengthArray, _buffer, _digests);

    [Benchmark]
    public Hash256 ApplyAndComputeRoot()
    {
        _trie.Apply(_changes);
        return _trie.ComputeRoot(Threads);
    }
}
