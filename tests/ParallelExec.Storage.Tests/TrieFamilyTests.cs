using ParallelExec.State;
using ParallelExec.Trie;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Workloads;
using RocksDbSharp;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>The trie family (nodes by place): its tables, compactions, and databases of the older formats (1: nodes by hash; 2: a key per account field); the flat state's table options beside it.</summary>
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
        Assert.Equal("4096", sections["TableOptions/BlockBasedTable \"trie\""]["block_size"]); // a cold read takes a small block
        Assert.Contains("bloomfilter", sections["TableOptions/BlockBasedTable \"trie\""]["filter_policy"], StringComparison.OrdinalIgnoreCase);
        Assert.False(sections.ContainsKey("CFOptions \"nodes\""));
    }

    [Fact]
    public void Memtables_of_64_MiB_take_32_MiB_arena_blocks_and_small_ones_keep_RocksDBs()
    {
        using var dir = new TempDir();
        var large = dir.Sub("large");
        var small = dir.Sub("small");
        using (OpenRocks(large)) { } // the default memtables: 64 MiB
        using (RocksDbStateStore.Open(small, new RocksDbStoreOptions { CreateIfMissing = true, SyncCommits = false, WriteBufferBytes = 1 << 20 })) { }
        var sections = ReadOptions(large);
        Assert.Equal("33554432", sections["CFOptions \"state\""]["arena_block_size"]);
        Assert.Equal("33554432", sections["CFOptions \"trie\""]["arena_block_size"]);
        Assert.NotEqual("33554432", sections["CFOptions \"journal\""]["arena_block_size"]); // 16 MiB memtables
        sections = ReadOptions(small);
        Assert.NotEqual("33554432", sections["CFOptions \"state\""]["arena_block_size"]);
        Assert.NotEqual("33554432", sections["CFOptions \"trie\""]["arena_block_size"]);
    }

    [Fact]
    public void The_flat_states_tables_have_their_index_and_filters_in_partitions_under_a_pinned_top_level()
    {
        var workload = Workload(blocks: 4);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        using (var rocks = OpenRocks(path)) Run(Create(rocks, workload), workload, 0, 4); // closing flushes the memtables to tables
        var table = ReadOptions(path)["TableOptions/BlockBasedTable \"state\""];
        Assert.Equal("kTwoLevelIndexSearch", table["index_type"]);
        Assert.Equal("true", table["partition_filters"]);
        Assert.Equal("4096", table["metadata_block_size"]);
        Assert.Equal("true", table["pin_top_level_index_and_filter"]);
        using (var rocks = OpenRocks(path, create: false))
        {
            // The tables written carry it: a whole-file index of a 10 M-account state was megabytes.
            var properties = rocks.FlatStateTableProperties();
            var partitions = System.Text.RegularExpressions.Regex.Match(properties, @"index partitions=(\d+)");
            Assert.True(partitions.Success, properties);
            Assert.True(long.Parse(partitions.Groups[1].Value) > 0, properties);
        }
    }

    [Fact]
    public void A_committed_node_set_is_given_back_once_the_batch_holds_it_and_every_node_reads_back()
    {
        using var dir = new TempDir();
        using var rocks = OpenRocks(dir.Sub("db"));
        rocks.Initialize([], new StoredBlock(0, default, default));
        using var set = new TrieNodeSet();
        var random = new Random(11);
        var expected = new List<(byte[] Path, byte[] Rlp)>();
        for (int i = 0; i < 4000; i++) // ~2.4 MB: past the set's first chunk
        {
            // Distinct places: the index's four nibbles, then a few random ones.
            var path = new byte[4 + random.Next(0, 8)];
            for (int n = 0; n < path.Length; n++) path[n] = (byte)(n < 4 ? (i >> (4 * (3 - n))) & 0xF : random.Next(16));
            var rlp = new byte[random.Next(33, 1200)];
            random.NextBytes(rlp);
            set.Add(Crypto.Keccak256.Compute(rlp), rlp, [], path);
            expected.Add((path, rlp));
        }
        Assert.True(set.ChunkBytes > 1L << 20);
        rocks.Commit(new StoredBlock(1, default, default), [], set);
        Assert.Empty(set);
        Assert.Equal(1L << 20, set.ChunkBytes); // the chunks past the first went back before the write
        Assert.Equal(1, rocks.TrieNodesAt?.Number);
        foreach (var (path, rlp) in expected)
            Assert.True(rocks.TryGetTrieNode([], path, out var stored) && stored.AsSpan().SequenceEqual(rlp), $"the node at {Convert.ToHexString(path)} did not read back");
    }

    [Fact]
    public void Batched_node_reads_give_what_single_reads_give_across_batches_and_owners()
    {
        // Nodes of the account trie and of a storage trie, asked in one batch (over several of the
        // store's multi-gets) mixed with places that hold nothing and places of the other owner.
        using var dir = new TempDir();
        using var rocks = OpenRocks(dir.Sub("db"));
        rocks.Initialize([], new StoredBlock(0, default, default));
        var random = new Random(12);
        var storageOwner = new byte[32];
        random.NextBytes(storageOwner);
        using var set = new TrieNodeSet();
        var asked = new List<(byte[] Owner, byte[] Path)>();
        for (int i = 0; i < 700; i++)
        {
            var owner = i % 3 == 0 ? storageOwner : [];
            var path = new byte[random.Next(0, 12)];
            for (int n = 0; n < path.Length; n++) path[n] = (byte)random.Next(16);
            var rlp = new byte[random.Next(33, 600)];
            random.NextBytes(rlp);
            set.Add(Crypto.Keccak256.Compute(rlp), rlp, owner, path);
            asked.Add((owner, path));
            asked.Add((owner, [.. path, (byte)random.Next(16), (byte)random.Next(16), (byte)random.Next(16)])); // most likely absent
        }
        rocks.Commit(new StoredBlock(1, default, default), [], set);
        foreach (var owner in new[] { Array.Empty<byte>(), storageOwner })
        {
            var paths = asked.Where(a => a.Owner.AsSpan().SequenceEqual(owner)).Select(a => a.Path).ToArray();
            Assert.True(paths.Length > 400, $"{paths.Length} places asked of the trie of 0x{Convert.ToHexString(owner)}");
            var rlps = new byte[]?[paths.Length];
            rocks.TryGetTrieNodes(owner, paths, rlps);
            int found = 0;
            for (int i = 0; i < paths.Length; i++)
            {
                bool single = rocks.TryGetTrieNode(owner, paths[i], out var expected);
                Assert.True(single == rlps[i] is not null, $"node {i} at {Convert.ToHexString(paths[i])}: the batched read and the single read disagree on its presence");
                if (single)
                {
                    Assert.True(expected.AsSpan().SequenceEqual(rlps[i]), $"node {i} at {Convert.ToHexString(paths[i])}: the batched read gave other bytes");
                    found++;
                }
            }
            Assert.InRange(found, paths.Length / 2 - 20, paths.Length / 2 + 20); // the stored ones, give or take places drawn twice
        }
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

        var migrate = RefusedUnlessMigrated(path, version: 1);
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

    /// <summary>Checks that an open refuses the database in one line that names its format and says to migrate; the options that migrate it.</summary>
    private static RocksDbStoreOptions RefusedUnlessMigrated(string path, int version)
    {
        var refused = Assert.Throws<StateStoreException>(() => OpenRocks(path, create: false));
        Assert.Equal(StateStoreError.WrongVersion, refused.Error);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Contains($"format version {version}", refused.Message);
        Assert.Contains("migrate", refused.Message);
        return new RocksDbStoreOptions { JournalRetention = 8, SyncCommits = false, MigrateOlderFormats = true };
    }

    /// <summary>
    /// Turns a database of this format into format 1's shape: a hash-keyed <c>nodes</c> family, no
    /// <c>trie</c> family, a flat-state key per account field, version 1.
    /// </summary>
    private static void MakeFormat1(string path)
    {
        using var raw = RawDatabase.Open(path);
        Assert.True(raw.SplitAccountRecords() > 0);
        var nodes = raw.Db.CreateColumnFamily(new ColumnFamilyOptions(), "nodes");
        raw.Db.Put(new byte[32], new byte[] { 0xc0 }, nodes);
        raw.Db.DropColumnFamily("trie");
        raw.SetFormat(1);
        raw.Db.Remove("trie-at"u8.ToArray(), raw.Family("meta"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)] // an interrupted migration: a third of the accounts still have a key per field, the others records
    public void A_format_2_database_is_refused_in_one_line_and_its_accounts_joined_when_asked(int every)
    {
        var workload = Workload(blocks: 6);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        List<KeyValuePair<StateKey, UInt256>> entries;
        using (var rocks = OpenRocks(path))
        {
            Run(Create(rocks, workload, EveryBlock), workload, 0, 3);
            entries = rocks.Entries().ToList();
        }
        using (var raw = RawDatabase.Open(path))
        {
            Assert.True(raw.SplitAccountRecords(every) > 0);
            raw.SetFormat(2);
        }

        var migrate = RefusedUnlessMigrated(path, version: 2);
        using (var rocks = RocksDbStateStore.Open(path, migrate))
        {
            Assert.Equal(2, rocks.MigratedFromFormat);
            Assert.Equal(rocks.Head, rocks.TrieNodesAt); // the trie is kept
            Assert.Equal(entries, rocks.Entries().ToList());
            var chain = ChainState.Open(rocks, EveryBlock);
            Assert.False(chain.OpenRebuiltTrie);
            Run(chain, workload, 3, 6);
            Assert.Equal(ReferenceRoots(workload)[6], rocks.Head.StateRoot);
            rocks.Revert(3);
            Assert.Equal(entries, rocks.Entries().ToList()); // the journals of blocks written since undo into records
        }
        using (var rocks = OpenRocks(path, create: false)) Assert.Equal(0, rocks.MigratedFromFormat); // now an ordinary database
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
