using System.Buffers.Binary;
using ParallelExec.State;
using ParallelExec.Storage.RocksDb;
using RocksDbSharp;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

public class OpenErrorTests
{
    private static string CreateChain(TempDir dir, int blocks = 3)
    {
        var path = dir.Sub("db");
        var workload = Workload(blocks: blocks);
        using var store = OpenRocks(path);
        Run(Create(store, workload), workload, 0, blocks);
        return path;
    }

    /// <summary>Raw access to one column family of a closed database.</summary>
    private static void Raw(string path, Action<RocksDbSharp.RocksDb, Func<string, ColumnFamilyHandle>> action)
    {
        using var raw = RawDatabase.Open(path);
        action(raw.Db, raw.Family);
    }

    private static StateStoreException OpenFails(string path, StateStoreError error, bool create = false, ChainStateOptions? options = null)
    {
        var e = Assert.Throws<StateStoreException>(() =>
        {
            using var store = OpenRocks(path, create: create);
            ChainState.Open(store, options);
        });
        Assert.Equal(error, e.Error);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(path, e.Message);
        return e;
    }

    /// <summary>A creating open takes the folder of an interrupted creation as an empty store, and a chain lives there.</summary>
    private static void CreatesOver(string path)
    {
        var workload = Workload(blocks: 2);
        using (var store = OpenRocks(path, create: true))
        {
            Assert.False(store.IsInitialized);
            Run(Create(store, workload), workload, 0, 2);
        }
        using var reopened = OpenRocks(path, create: false);
        Assert.Equal(ReferenceRoots(workload)[2], reopened.Head.StateRoot);
    }

    [Fact]
    public void A_missing_database_is_an_error_unless_creation_is_asked_for()
    {
        using var dir = new TempDir();
        var path = dir.Sub("none");
        var e = OpenFails(path, StateStoreError.Missing);
        Assert.Contains("no database", e.Message);
        Assert.False(Directory.Exists(path));
        using var store = OpenRocks(path, create: true);
        Assert.False(store.IsInitialized);
    }

    [Fact]
    public void A_database_held_by_another_store_is_locked()
    {
        using var dir = new TempDir();
        var path = CreateChain(dir);
        using var first = OpenRocks(path, create: false);
        var e = OpenFails(path, StateStoreError.Locked);
        Assert.Contains("in use", e.Message);
        Assert.Equal(3, first.Head.Number);
    }

    [Fact]
    public void Another_format_version_is_refused()
    {
        using var dir = new TempDir();
        var path = CreateChain(dir);
        Raw(path, (db, cf) =>
        {
            var record = new byte[8];
            "PXST"u8.CopyTo(record);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), 99);
            db.Put("format"u8.ToArray(), record, cf("meta"));
        });
        var e = OpenFails(path, StateStoreError.WrongVersion);
        Assert.Contains("format version 99", e.Message);
    }

    [Fact]
    public void A_creation_killed_before_CURRENT_existed_is_no_database_yet_and_can_be_created_over()
    {
        using var dir = new TempDir();
        var path = dir.Sub("half");
        Directory.CreateDirectory(path);
        // What RocksDB leaves when killed between taking its LOCK and writing CURRENT.
        foreach (var name in new[] { "LOCK", "LOG", "MANIFEST-000001", "OPTIONS-000005.dbtmp" })
            File.WriteAllText(Path.Combine(path, name), "");
        var e = OpenFails(path, StateStoreError.Missing);
        Assert.Contains("under way or was interrupted", e.Message);
        CreatesOver(path);
    }

    [Fact]
    public void A_database_another_opener_is_still_creating_is_in_use()
    {
        using var dir = new TempDir();
        var path = dir.Sub("creating");
        // The creation window: RocksDB holds the LOCK and has written LOCK, LOG, IDENTITY, a MANIFEST and
        // OPTIONS, but no CURRENT yet. Reproduced by a raw database whose CURRENT and WAL are removed while
        // it stays open: RocksDB refuses its LOCK to a second opener in this process as it does to another.
        using (RocksDbSharp.RocksDb.Open(new DbOptions().SetCreateIfMissing(true), path))
        {
            foreach (var file in Directory.GetFiles(path))
            {
                var name = Path.GetFileName(file);
                if (name == "CURRENT" || name.EndsWith(".log", StringComparison.Ordinal)) File.Delete(file);
            }
            foreach (bool create in new[] { false, true })
            {
                var e = OpenFails(path, StateStoreError.Locked, create);
                Assert.Contains("in use by another process", e.Message);
                Assert.False(File.Exists(Path.Combine(path, "CURRENT")), "a refused open created the database");
            }
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(2)]
    [InlineData(0)]
    public void A_creation_killed_after_CURRENT_is_no_database_yet_and_can_be_created_over(int families)
    {
        // What RocksDB leaves when killed after writing CURRENT: only the default family (killed before
        // it added any of ours), some or all of the column families (it adds them one at a time), and
        // no format record yet. (A default family holding records stays refused, see
        // A_folder_that_is_not_a_state_database_is_refused_and_left_alone.)
        using var dir = new TempDir();
        var path = dir.Sub("half");
        var created = new ColumnFamilies();
        foreach (var name in new[] { "state", "trie", "blocks", "journal", "meta" }.Take(families)) created.Add(name, new ColumnFamilyOptions());
        using (RocksDbSharp.RocksDb.Open(new DbOptions().SetCreateIfMissing(true).SetCreateMissingColumnFamilies(true), path, created))
        {
        }
        var e = OpenFails(path, StateStoreError.Missing);
        Assert.Contains("creation was interrupted", e.Message);
        CreatesOver(path);
    }

    [Fact]
    public void A_database_with_the_families_and_records_but_no_format_record_is_refused()
    {
        using var dir = new TempDir();
        var path = CreateChain(dir);
        Raw(path, (db, cf) => db.Remove("format"u8.ToArray(), cf("meta")));
        OpenFails(path, StateStoreError.NotAStateDatabase, create: true);
    }

    [Fact]
    public void A_folder_that_is_not_a_state_database_is_refused_and_left_alone()
    {
        using var dir = new TempDir();
        var path = dir.Sub("other");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "notes.txt"), "hello");
        OpenFails(path, StateStoreError.NotAStateDatabase, create: true);
        Assert.Equal(["notes.txt"], Directory.GetFiles(path).Select(Path.GetFileName));

        // Someone's RocksDB database: only the default family, holding a record. It is not taken over.
        var plain = dir.Sub("plain");
        using (var db = RocksDbSharp.RocksDb.Open(new DbOptions().SetCreateIfMissing(true), plain, new ColumnFamilies()))
        {
            db.Put("theirs"u8.ToArray(), "kept"u8.ToArray());
        }
        var e = OpenFails(plain, StateStoreError.NotAStateDatabase, create: true);
        Assert.Contains("without the column families", e.Message);
        Assert.True(RocksDbSharp.RocksDb.TryListColumnFamilies(new DbOptions(), plain, out var names));
        Assert.Equal(["default"], names);
        using (var db = RocksDbSharp.RocksDb.OpenReadOnly(new DbOptions(), plain, false))
        {
            Assert.Equal("kept", db.Get("theirs"));
        }
    }

    [Fact]
    public void A_flat_state_that_does_not_hash_to_the_stored_root_is_corrupt()
    {
        using var dir = new TempDir();
        var path = CreateChain(dir);
        Raw(path, (db, cf) =>
        {
            using var it = db.NewIterator(cf("state"));
            it.SeekToFirst();
            var key = it.Key();
            Assert.Equal(Address.Size, key.Length); // an account's record
            // A well-formed record of another account: balance 0x2A (presence bit 2, one byte) and no nonce.
            Assert.NotEqual(new byte[] { 2, 1, 0x2A }, it.Value());
            db.Put(key, new byte[] { 2, 1, 0x2A }, cf("state"));
        });
        // An open over the stored trie reads no flat state; one that rebuilds the trie reads it all.
        var e = OpenFails(path, StateStoreError.Corrupt, options: Rebuilding);
        Assert.Contains("hashes to root", e.Message);
    }

    private static readonly ChainStateOptions Rebuilding = new() { PersistTrieNodes = false };

    [Fact]
    public void A_stored_trie_without_its_root_node_is_corrupt()
    {
        using var dir = new TempDir();
        var path = CreateChain(dir, blocks: 2);
        Raw(path, (db, cf) => db.Remove(new byte[] { 0, 0 }, cf("trie"))); // the account trie's root: tag 0, no nibbles, count 0
        var e = OpenFails(path, StateStoreError.Corrupt);
        Assert.Contains("root node of the stored trie", e.Message);
    }

    [Fact]
    public void A_malformed_record_is_corrupt()
    {
        using var dir = new TempDir();
        var path = CreateChain(dir);
        Raw(path, (db, cf) => db.Put(new byte[] { 1, 2, 3 }, new byte[] { 4 }, cf("state")));
        OpenFails(path, StateStoreError.Corrupt, options: Rebuilding);
    }

    [Fact]
    public void A_damaged_manifest_is_corrupt()
    {
        using var dir = new TempDir();
        var path = CreateChain(dir);
        var current = Path.Combine(path, "CURRENT");
        File.WriteAllText(current, "MANIFEST-999999\n");
        var e = Assert.Throws<StateStoreException>(() => OpenRocks(path, create: false).Dispose());
        Assert.Contains(path, e.Message);
        Assert.True(e.Error is StateStoreError.Corrupt or StateStoreError.IoError, e.Message);
    }

    [Fact]
    public void An_interrupted_initialisation_is_corrupt_unless_creation_is_asked_for()
    {
        using var dir = new TempDir();
        var path = dir.Sub("db");
        using (OpenRocks(path))
        {
        }
        Raw(path, (db, cf) =>
        {
            db.Put("init"u8.ToArray(), new byte[] { 1 }, cf("meta"));
            db.Put(StateKeyEncoding.ToArray(StateKey.Balance(Address.FromNumber(1))), new byte[32], cf("state"));
        });
        var e = OpenFails(path, StateStoreError.Corrupt, create: false);
        Assert.Contains("interrupted", e.Message);
        // No chain was ever committed there, so a creating open starts the initialisation over.
        using var store = OpenRocks(path, create: true);
        Assert.False(store.IsInitialized);
        Assert.Empty(store.Entries());
    }

    [Fact]
    public void A_store_for_another_chain_is_not_resumed()
    {
        using var dir = new TempDir();
        var path = CreateChain(dir);
        var other = Workload(blocks: 2, seed: 99, accounts: 81);
        var chainFile = dir.Sub("other.pxb");
        ParallelExec.Blocks.ChainWriter.Write(chainFile, ParallelExec.Blocks.ChainStart.FromGenesis(other.Genesis),
            other.Blocks.Select(b => new ParallelExec.Blocks.ChainBlock(b)));
        using var store = OpenRocks(path, create: false);
        var e = Assert.Throws<StateStoreException>(() => StoredChainReplayer.Replay(chainFile, store, new ParallelExec.Blocks.ReplayOptions { Workers = 2 }));
        Assert.Equal(StateStoreError.Mismatch, e.Error);
        Assert.Contains("another chain", e.Message);
        Assert.Equal(3, store.Head.Number);
    }
}
