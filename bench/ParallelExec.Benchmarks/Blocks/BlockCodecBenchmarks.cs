using BenchmarkDotNet.Attributes;
using ParallelExec.Blocks;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Blocks;

/// <summary>
/// The .pxb block codec: encoding and decoding one block of 10,000 transactions (transfers, or the
/// mix of all built-in kinds), checksums included. Encode is the baseline of each workload.
/// </summary>
[MemoryDiagnoser]
public class BlockCodecBenchmarks
{
    private readonly TransactionCodecRegistry _registry = TransactionCodecRegistry.CreateDefault();
    private readonly ChainBufferWriter _writer = new(1 << 20);
    private readonly ChainBufferWriter _scratch = new(1 << 16);
    private ChainBlock _block = null!;
    private byte[] _payload = [];

    [Params(WorkloadKind.P2p, WorkloadKind.Mixed)]
    public WorkloadKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = Kind, Accounts = 10_000, TransactionsPerBlock = 10_000, Seed = 5 });
        _block = new ChainBlock(workload.Blocks[0]);
        _writer.Clear();
        ChainBlockCodec.Encode(_block, _registry, _writer, _scratch);
        _payload = _writer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true)]
    public int Encode()
    {
        _writer.Clear();
        ChainBlockCodec.Encode(_block, _registry, _writer, _scratch);
        return _writer.Length;
    }

    [Benchmark]
    public int Decode() => ChainBlockCodec.Decode(_payload, 0, _block.Number, _registry).Transactions.Count;
}
