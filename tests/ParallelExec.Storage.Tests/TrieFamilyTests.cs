using ParallelExec.Storage.RocksDb;
using ParallelExec.Workloads;
using RocksDbSharp;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>The trie family (nodes by place): its tables, compactions, and databases of the hash-keyed format 1.</summary>
public class TrieFamilyTests
{
    [Fact]
    public void The_trie_family_is_leveled_with_bloom_filters_after_reopening()
    {
        var workload = Workload(blocks: 4);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        using (var rocks = OpenRocks(path))
        {
            Run(Create(rocks, workload), workload, 0, 2);
        }
        using (var rocks = OpenRocks(path, create: false))
        {
            Run(ChainState.Open(rocks, EveryBlock), workload, 2, 4);
        }
        var sections = ReadOptions(path);
        Assert.Equal("kCompactionStyleLevel", sections["CFOptions \"trie\""]["compaction_style"]);
        Assert.Equal("16384", sections["TableOptions/BlockBasedTable \"trie\""]["block_size"]);
        Assert.Contains("bloomfilter", sections["TableOptions/BlockBasedTable \"trie\""]["filter_policy"], StringComparison.OrdinalIgnoreCase);
        Assert.False(sections.ContainsKey("CFOptions \"nodes\""));
    }

    [Fact]
    public void The_stored_trie_stays_exact_through_many_flushes_and_compactions()
    {
        // Small memtables: the trie family flushes every few blocks and compacts many times, while
        // blocks overwrite and delete places.
        var workload = Workload(blocks: 40, txs: 200, accounts: 3000, kind: WorkloadKind.Mixed);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        var options = new RocksDbStoreOptions { CreateIfMissing = true, SyncCommits = false, BlockCacheBytes = 1 << 20, WriteBufferBytes = 64 << 10 };
        using (var rocks = RocksDbStateStore.Open(path, options))
        {
            Run(Create(rocks, workload, EveryBlock), workload, 0, 40);
            AssertHeadTrieStored(rocks, "after 40 blocks");
        }
        Assert.Contains("\"cf_name\": \"trie\", \"compaction_reason\"", File.ReadAllText(System.IO.Path.Combine(path, "LOG")));
        using (var rocks = RocksDbStateStore.Open(path, options with { CreateIfMissing = false }))
        {
            AssertHeadTrieStored(rocks, "reopened");
        }
    }

    [Fact]
    public void A_format_1_database_is_refused_in_one_line_and_migrated_when_asked()
    {
        var workload = Workload(blocks: 6);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        using (var rocks = OpenRocks(path))
        {
            Run(Create(rocks, workload, EveryBlock), workload, 0, 3);
        }
        MakeFormat1(path);

        var refused = Assert.Throws<StateStoreException>(() => OpenRocks(path, create: false));
        Assert.Equal(StateStoreError.WrongVersion, refused.Error);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Contains("format version 1", refused.Message);
        Assert.Contains("migrate", refused.Message);

        var migrate = new RocksDbStoreOptions { JournalRetention = 8, SyncCommits = false, MigrateHashKeyedFormat = true };
        using (var rocks = RocksDbStateStore.Open(path, migrate))
        {
            Assert.Equal(3, rocks.Head.Number);
            Assert.Null(rocks.TrieNodesAt);
            var chain = ChainState.Open(rocks, EveryBlock); // rebuilds the trie and writes its nodes
            AssertHeadTrieStored(rocks, "migrated");
            Run(chain, workload, 3, 6);
            Assert.Equal(ReferenceRoots(workload)[6], rocks.Head.StateRoot);
            AssertHeadTrieStored(rocks, "three blocks after the migration");
        }
        Assert.False(ReadOptions(path).ContainsKey("CFOptions \"nodes\""));
        using (var rocks = OpenRocks(path, create: false)) Assert.Equal(6, rocks.Head.Number); // now an ordinary database
    }

    /// <summary>Turns a database of this format into format 1's shape: a hash-keyed <c>nodes</c> family, no <c>trie</c> family, version 1.</summary>
    private static void MakeFormat1(string path)
    {
        var plain = new ColumnFamilyOptions();
        var families = new ColumnFamilies(plain);
        foreach (var name in new[] { "state", "trie", "blocks", "journal", "meta" }) families.Add(name, plain);
        using var raw = RocksDbSharp.RocksDb.Open(new DbOptions(), path, families);
        var nodes = raw.CreateColumnFamily(plain, "nodes");
        raw.Put(new byte[32], new byte[] { 0xc0 }, nodes);
        raw.DropColumnFamily("trie");
        var format = raw.Get("format"u8.ToArray(), raw.GetColumnFamily("meta"));
        format[4] = 1;
        raw.Put("format"u8.ToArray(), format, raw.GetColumnFamily("meta"));
        raw.Remove("trie-at"u8.ToArray(), raw.GetColumnFamily("meta"));
    }

    /// <summary>The sections of the newest OPTIONS file: name → (option → value).</summary>
    private static Dictionary<string, Dictionary<string, string>> ReadOptions(string path)
    {
        var file = Directory.GetFiles(path, "OPTIONS-*").OrderBy(f => int.Parse(System.IO.Path.GetFileName(f)["OPTIONS-".Length..])).Last();
        var sections = new Dictionary<string, Dictionary<string, string>>();
        Dictionary<string, string>? current = null;
        foreach (var raw in File.ReadLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('['))
            {
                sections[line[1..^1]] = current = new Dictionary<string, string>();
                continue;
            }
            int eq = line.IndexOf('=');
            if (current is not null && eq > 0) current[line[..eq]] = line[(eq + 1)..];
        }
        return sections;
    }
}
