using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto.Digests;
using ParallelExec.Crypto;

namespace ParallelExec.Benchmarks.Trie;

/// <summary>The hand-written Keccak-256 against BouncyCastle's KeccakDigest(256), per hash.</summary>
[MemoryDiagnoser]
public class KeccakBenchmarks
{
    private readonly byte[] _digest = new byte[32];
    private readonly KeccakDigest _bouncyCastle = new(256);
    private byte[] _input = [];

    /// <summary>32 bytes: a key or hash; 100 bytes: about an account leaf; 532 bytes: a full branch.</summary>
    [Params(32, 100, 532)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _input = new byte[Length];
        new Random(42).NextBytes(_input);
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
}
