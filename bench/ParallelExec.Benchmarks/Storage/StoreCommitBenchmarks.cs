using BenchmarkDotNet.Attributes;
using ParallelExec.Benchmarks.Trie;
using ParallelExec.State;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;
using RocksDbSharp;

namespace ParallelExec.Benchmarks.Storage;

/// <summary>
/// Commit throughput of <see cref="RocksDbStateStore"/> against a raw RocksDB <see cref="WriteBatch"/>
/// of the same keys and values with the same options (block cache, bloom filter, LZ4, memtable size,
/// synced writes). The store also writes the undo journal (reading each key's previous value, or
/// taking it from the values recorded during execution), the block record and the head, and puts the
/// keys in ascending order (sorting them in the commit); the raw batch puts them as they come, and in a
/// second variant already sorted (the sort done beforehand): the floor for the same bytes.
/// dotnet run -c Release --project bench/ParallelExec.Benchmarks -- --filter '*StoreCommit*'
/// </summary>
[MemoryDiagnoser]
public class StoreCommitBenchmarks
{
    private const int Accounts = 200_000;

    [Params(1_000, 10_000)]
    public int Changes;

    [Params(true, false)]
    public bool Sync;

    private string _dir = "";
    private RocksDbStateStore _store = null!;
    private RocksDbSharp.RocksDb _raw = null!;
    private ColumnFamilyHandle _rawState = null!;
    private WriteOptions _rawWrite = null!;
    // Kept alive with the raw database (finalizers, no Dispose).
    private object[] _rawOptions = [];
    private StateChange[][] _blocks = [];
    private StateChange[][] _sortedBlocks = [];
    private Dictionary<StateKey, (bool, UInt256)>[] _previous = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "pxstore-bench", Guid.NewGuid().ToString("N"));
        var genesis = BenchmarkAccounts.State(Accounts);
        var options = new RocksDbStoreOptions { CreateIfMissing = true, SyncCommits = Sync };
        _store = RocksDbStateStore.Open(Path.Combine(_dir, "store"), options);
        _store.Initialize(genesis, new StoredBlock(0, default, default));

        var cache = Cache.CreateLru((ulong)options.BlockCacheBytes);
        var table = new BlockBasedTableOptions().SetBlockCache(cache).SetFilterPolicy(BloomFilterPolicy.Create(options.BloomBitsPerKey, false))
            .SetWholeKeyFiltering(true).SetCacheIndexAndFilterBlocks(true).SetPinL0FilterAndIndexBlocksInCache(true).SetFormatVersion(5);
        var cf = new ColumnFamilyOptions().SetBlockBasedTableFactory(table).SetWriteBufferSize((ulong)options.WriteBufferBytes).SetCompression(Compression.Lz4);
        var db = new DbOptions().SetCreateIfMissing(true).SetCreateMissingColumnFamilies(true).IncreaseParallelism(Math.Max(2, Environment.ProcessorCount));
        _rawWrite = new WriteOptions().SetSync(Sync);
        _rawOptions = [cache, table, cf, db];
        _raw = RocksDbSharp.RocksDb.Open(db, Path.Combine(_dir, "raw"), new ColumnFamilies { { "state", cf } });
        _rawState = _raw.GetColumnFamily("state");
        using (var batch = new WriteBatch())
        {
            Span<byte> key = stackalloc byte[StateKeyEncoding.MaxLength];
            Span<byte> value = stackalloc byte[32];
            foreach (var (k, v) in genesis)
            {
                int n = StateKeyEncoding.Write(k, key);
                v.WriteBigEndian(value);
                batch.Put(key[..n], value, _rawState);
            }
            _raw.Write(batch, _rawWrite);
        }

        var random = new Random(42);
        _blocks = new StateChange[64][];
        _previous = new Dictionary<StateKey, (bool, UInt256)>[_blocks.Length];
        for (int i = 0; i < _blocks.Length; i++)
        {
            var changes = BenchmarkAccounts.Touch(random, Accounts, Changes);
            var unique = new Dictionary<StateKey, StateChange>();
            foreach (var c in changes) unique[c.Key] = c;
            _blocks[i] = unique.Values.ToArray();
            _previous[i] = unique.Keys.ToDictionary(k => k, k => (true, new UInt256(1)));
        }
        // StateKey order is the byte order of the encoded keys.
        _sortedBlocks = _blocks.Select(b => b.OrderBy(c => c.Key).ToArray()).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _raw.Dispose();
        GC.KeepAlive(_rawOptions);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private StateChange[] NextBlock(out int index)
    {
        index = _next++ % _blocks.Length;
        return _blocks[index];
    }

    [Benchmark(Baseline = true, Description = "raw WriteBatch (same keys/values)")]
    public void RawWriteBatch() => RawWrite(NextBlock(out _));

    [Benchmark(Description = "raw WriteBatch (same keys/values, sorted beforehand)")]
    public void RawWriteBatchSorted()
    {
        NextBlock(out int index);
        RawWrite(_sortedBlocks[index]);
    }

    private void RawWrite(StateChange[] changes)
    {
        using var batch = new WriteBatch();
        Span<byte> key = stackalloc byte[StateKeyEncoding.MaxLength];
        Span<byte> value = stackalloc byte[32];
        foreach (var change in changes)
        {
            int n = StateKeyEncoding.Write(change.Key, key);
            change.Value.WriteBigEndian(value);
            batch.Put(key[..n], value, _rawState);
        }
        _raw.Write(batch, _rawWrite);
    }

    [Benchmark(Description = "store commit (journal reads previous values)")]
    public void StoreCommit()
    {
        var changes = NextBlock(out _);
        _store.Commit(new StoredBlock(_store.Head.Number + 1, default, default), changes);
    }

    [Benchmark(Description = "store commit (previous values recorded)")]
    public void StoreCommitRecorded()
    {
        var changes = NextBlock(out int index);
        _store.Commit(new StoredBlock(_store.Head.Number + 1, default, default), changes, previousValues: _previous[index]);
    }
}
