using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto.Digests;
using ParallelExec.Crypto;

namespace ParallelExec.Benchmarks.Trie;

/// <summary>
/// Keccak-256 per hash: the hand-written scalar one, BouncyCastle's KeccakDigest(256), and the batch
/// hasher over <see cref="BatchSize"/> inputs of the same length (its widest path and the AVX2 one).
/// </summary>
[MemoryDiagnoser]
public class KeccakBenchmarks
{
    /// <summary>Inputs per batch call: a typical chunk of one trie level.</summary>
    public const int BatchSize = 64;

    private readonly byte[] _digest = new byte[32];
    private readonly byte[] _digests = new byte[BatchSize * 32];
    private readonly KeccakDigest _bouncyCastle = new(256);
    private byte[] _input = [];
    private byte[] _batchInput = [];
    private int[] _offsets = [];
    private int[] _lengths = [];

    /// <summary>32 bytes: a key or hash; 110 bytes: about an account leaf; 532 bytes: a full branch.</summary>
    [Params(32, 110, 532)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _input = new byte[Length];
        random.NextBytes(_input);
        _batchInput = new byte[Length * BatchSize];
        random.NextBytes(_batchInput);
        _offsets = Enumerable.Range(0, BatchSize).Select(i => i * Length).ToArray();
        _lengths = Enumerable.Repeat(Length, BatchSize).ToArray();
    }

    [Benchmark(Baseline = true)]
    public byte HandWritten()
    {
        Keccak256.Compute(_input, _digest);
        return _digest[0];
    }

    [Benchmark]
    public byte BouncyCastle()
    {
        _bouncyCastle.BlockUpdate(_input, 0, _input.Length);
        _bouncyCastle.DoFinal(_digest, 0);
        return _digest[0];
    }

    /// <summary>Per hash, on the widest path this machine has (AVX-512: 8 states, AVX2: 4).</summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public byte Batch()
    {
        Keccak256Batch.Compute(_batchInput, _offsets, _lengths, _digests);
        return _digests[0];
    }

    /// <summary>
    /// Per hash, on the AVX2 path (what a machine without AVX-512 gets). On an AVX-512 machine the JIT
    /// folds its Vector256 logic into vpternlogq; DOTNET_EnableAVX512=0 measures plain AVX2.
    /// </summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public byte BatchAvx2()
    {
        Keccak256Batch.Compute(_batchInput, _offsets, _lengths, _digests, KeccakBatchPath.Vector256);
        return _digests[0];
    }
}
