using ParallelExec.Crypto;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Trie;
using ParallelExec.Workloads;
using RocksDbSharp;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>The trie-node column family's compaction (universal) and tables, across reopens and compactions.</summary>
public class NodeFamilyTests
{
    [Fact]
    public void The_node_family_is_universal_with_its_settings_after_reopening()
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
        // RocksDB writes the options of every open into an OPTIONS file; the latest is this build's.
        var sections = ReadOptions(path);
        Assert.Equal("kCompactionStyleUniversal", sections["CFOptions \"nodes\""]["compaction_style"]);
        Assert.Equal("8", sections["CFOptions \"nodes\""]["level0_file_num_compaction_trigger"]);
        var universal = sections["CFOptions \"nodes\""]["compaction_options_universal"];
        Assert.Contains("min_merge_width=4;", universal);
        Assert.Contains("max_size_amplification_percent=1000000;", universal);
        Assert.Equal("16384", sections["TableOptions/BlockBasedTable \"nodes\""]["block_size"]);
        Assert.Contains("bloomfilter", sections["TableOptions/BlockBasedTable \"nodes\""]["filter_policy"], StringComparison.OrdinalIgnoreCase);
        // The flat state, read during execution, stays leveled.
        Assert.Equal("kCompactionStyleLevel", sections["CFOptions \"state\""]["compaction_style"]);
        Assert.Equal("4096", sections["TableOptions/BlockBasedTable \"state\""]["block_size"]);
    }

    [Fact]
    public void Trie_nodes_survive_many_flushes_and_universal_compactions()
    {
        // Small memtables: the node family flushes every few blocks and compacts its runs many times.
        var workload = Workload(blocks: 40, txs: 200, accounts: 3000, kind: WorkloadKind.Mixed);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        var options = new RocksDbStoreOptions { CreateIfMissing = true, SyncCommits = false, BlockCacheBytes = 1 << 20, WriteBufferBytes = 64 << 10 };
        using (var rocks = RocksDbStateStore.Open(path, options))
        {
            Run(Create(rocks, workload), workload, 0, 40);
        }
        var log = File.ReadAllText(System.IO.Path.Combine(path, "LOG"));
        Assert.Contains("\"cf_name\": \"nodes\", \"compaction_reason\": \"Universal", log);
        using (var rocks = RocksDbStateStore.Open(path, options with { CreateIfMissing = false }))
        {
            AssertEveryNodeStored(rocks);
        }
    }

    [Fact]
    public void A_database_whose_nodes_were_compacted_leveled_opens_and_goes_on()
    {
        // Databases created before the node family went universal hold its nodes in levels.
        var workload = Workload(blocks: 6);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        using (var rocks = OpenRocks(path))
        {
            Run(Create(rocks, workload), workload, 0, 3);
        }
        var leveled = new ColumnFamilyOptions().SetCompactionStyle(Compaction.Level);
        var families = new ColumnFamilies(leveled);
        foreach (var name in new[] { "state", "nodes", "blocks", "journal", "meta" }) families.Add(name, leveled);
        using (var raw = RocksDbSharp.RocksDb.Open(new DbOptions(), path, families))
        {
            var nodes = raw.GetColumnFamily("nodes");
            raw.CompactRange(Array.Empty<byte>(), Enumerable.Repeat((byte)0xFF, 33).ToArray(), nodes);
            Assert.True(int.Parse(raw.GetProperty("rocksdb.num-files-at-level6", nodes)) > 0, "the nodes were not moved to the last level");
        }
        Assert.Equal("kCompactionStyleLevel", ReadOptions(path)["CFOptions \"nodes\""]["compaction_style"]);
        using (var rocks = OpenRocks(path, create: false))
        {
            var chain = ChainState.Open(rocks, EveryBlock);
            Run(chain, workload, 3, 6);
            AssertEveryNodeStored(rocks);
        }
        Assert.Equal("kCompactionStyleUniversal", ReadOptions(path)["CFOptions \"nodes\""]["compaction_style"]);
    }

    private static void AssertEveryNodeStored(RocksDbStateStore rocks)
    {
        var trie = StateTrie.FromState(rocks.Entries());
        Assert.Equal(rocks.Head.StateRoot, trie.ComputeRoot());
        int count = 0;
        foreach (var node in trie.ExportAllNodes())
        {
            Assert.True(rocks.TryGetTrieNode(node.Hash, out var stored), $"node {node.Hash} missing");
            Assert.Equal(node.Rlp.ToArray(), stored);
            Assert.Equal(node.Hash, Keccak256.Compute(stored));
            count++;
        }
        Assert.True(count > 10, $"only {count} nodes");
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
