using System.Buffers;
using System.Buffers.Binary;
using ParallelExec.State;
using ParallelExec.Trie;
using RocksDbSharp;
using static ParallelExec.Storage.RocksDb.RocksDbLayout;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// <see cref="IStateStore"/> on RocksDB (layout in <see cref="RocksDbLayout"/>). Reads during execution
/// go to the flat-state column family through a shared LRU block cache with bloom filters. A commit is
/// one <see cref="WriteBatch"/> across the column families (flat state, trie nodes, block record,
/// undo journal, head, journal pruning), so a crash leaves the previous block or the new one.
/// Opening a database that is missing, locked, of another format version or damaged throws
/// <see cref="StateStoreException"/> with a one-line message; a real chain is never replaced by an empty one.
/// </summary>
public sealed partial class RocksDbStateStore : IStateStore, IUndoJournalReader
{
    private const int InitBatchSize = 100_000;

    // Option objects have finalizers but no Dispose: created once per store and kept alive with it.
    private readonly DbOptions _dbOptions;
    private readonly ColumnFamilyOptions _pointOptions, _nodeOptions, _plainOptions;
    private readonly BlockBasedTableOptions _pointTable, _plainTable;
    private readonly BlockBasedTableOptions _nodeTable;
    private readonly Cache _cache;
    private readonly ReadOptions _read, _scan;
    private readonly WriteOptions _write;
    private readonly EnvOptions _envOptions;
    private readonly IngestExternalFileOptions _ingestOptions;
    private readonly bool _syncCommits;
    private readonly long _checkpointFileMinimum;

    private readonly RocksDbSharp.RocksDb _db;
    private readonly ColumnFamilyHandle _state, _nodes, _blocks, _journal, _meta;
    private StoredBlock? _nodesAt;
    private readonly string _path;
    private StoredBlock _genesis, _head;
    private long _oldestJournal;
    private bool _initialized, _disposed;

    private RocksDbStateStore(string path, RocksDbStoreOptions options)
    {
        _path = path;
        JournalRetention = options.JournalRetention;
        _cache = Cache.CreateLru((ulong)options.BlockCacheBytes);
        var bloom = BloomFilterPolicy.Create(options.BloomBitsPerKey, false);
        _pointTable = new BlockBasedTableOptions().SetBlockCache(_cache).SetFilterPolicy(bloom).SetWholeKeyFiltering(true)
            .SetCacheIndexAndFilterBlocks(true).SetPinL0FilterAndIndexBlocksInCache(true).SetFormatVersion(5);
        PartitionIndexAndFilters(_pointTable);
        _plainTable = new BlockBasedTableOptions().SetBlockCache(_cache).SetFormatVersion(5);
        // Most point reads during execution miss the memtable (random accounts of a large state): a
        // whole-key bloom filter over the memtable answers those without a skip-list search.
        _pointOptions = new ColumnFamilyOptions().SetBlockBasedTableFactory(_pointTable).SetWriteBufferSize((ulong)options.WriteBufferBytes)
            .SetCompression(Compression.Lz4).SetMemtablePrefixBloomSizeRatio(0.1);
        Native.Instance.rocksdb_options_set_memtable_whole_key_filtering(_pointOptions.Handle, 1);
        // Trie nodes are mostly 32-byte hashes: compressing them costs CPU (flushes, compactions) and
        // saves little. Execution never reads them, so no memtable bloom (it only slows inserts).
        _nodeOptions = new ColumnFamilyOptions().SetWriteBufferSize((ulong)options.WriteBufferBytes).SetCompression(Compression.No);
        _nodeTable = ConfigureNodeFamily(_nodeOptions, _cache, options.BloomBitsPerKey); // its own table options: whole-file filters, 4 KiB blocks
        SetArenaBlocks(_pointOptions, options.WriteBufferBytes);
        SetArenaBlocks(_nodeOptions, options.WriteBufferBytes);
        _plainOptions = new ColumnFamilyOptions().SetBlockBasedTableFactory(_plainTable).SetWriteBufferSize((ulong)Math.Min(options.WriteBufferBytes, 16L << 20))
            .SetCompression(Compression.Lz4);
        // The write-ahead log is kept until every family has flushed what it holds; the small families
        // (block records, head) never fill a memtable, so under RocksDB's own bound (four times every
        // family's memtables, ~1.4 GB) the log kept every block's writes (700 MB after 64 blocks at
        // 1 M accounts), all of it replayed by the next open.
        if (options.LowPriorityCompactions) CompactionPriority.Lower();
        _dbOptions = new DbOptions().IncreaseParallelism(Math.Max(2, Environment.ProcessorCount)).SetKeepLogFileNum(2)
            .SetMaxOpenFiles(512).SetMaxTotalWalSize((ulong)(MaxLogMemtables * options.WriteBufferBytes));
        _read = new ReadOptions();
        _scan = new ReadOptions().SetFillCache(false);
        _write = new WriteOptions().SetSync(options.SyncCommits);
        _syncCommits = options.SyncCommits;
        _envOptions = new EnvOptions();
        _ingestOptions = new IngestExternalFileOptions().SetMoveFiles(true);
        _checkpointFileMinimum = options.CheckpointFileMinimumBytes;

        bool exists = Exists(path);
        bool addFamilies = false, migrating = false;
        if (!exists)
        {
            // RocksDB's own files without CURRENT: a creation that is under way in another process
            // (opening will then find the LOCK held) or that was killed before it finished (nothing
            // was ever committed there, so creating over it loses nothing).
            bool creationLeftovers = Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any();
            if (creationLeftovers && !Directory.EnumerateFileSystemEntries(path).All(IsCreationFile))
                throw Fail(StateStoreError.NotAStateDatabase, "the directory is not empty but holds no database");
            if (!options.CreateIfMissing)
            {
                if (creationLeftovers && CreationHoldsLock())
                    throw Fail(StateStoreError.Locked, "in use by another process (it is being created there: its LOCK is held)");
                throw Fail(StateStoreError.Missing, creationLeftovers
                    ? "no database there yet (a creation is under way or was interrupted)"
                    : "no database there (it is created only when asked to)");
            }
            Directory.CreateDirectory(path);
        }
        else
        {
            string[]? names;
            try
            {
                if (!RocksDbSharp.RocksDb.TryListColumnFamilies(_dbOptions, path, out names)) names = null;
            }
            catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
            {
                throw Translate(e);
            }
            if (names is null) throw Fail(StateStoreError.Corrupt, "its column families cannot be listed");
            if (names.Contains(HashKeyedNodesFamily) && !names.Contains(TrieFamily))
            {
                if (!options.MigrateOlderFormats)
                    throw Fail(StateStoreError.WrongVersion, "format version 1 (trie nodes kept by hash, every one ever written): this build keeps the live trie by place and each account in one record; migrate it (`parallelexec migrate --db DIR`: keeps the chain, rebuilds the trie from the flat state)");
                migrating = true;
            }
            var missing = Families.Where(f => !names.Contains(f) && !(migrating && f == TrieFamily)).ToArray();
            // Some of this layout's families and no others: a creation killed while RocksDB added them
            // (one at a time). None of them and an empty default family: a creation killed after
            // RocksDB wrote CURRENT and before it added any (or anyone's database that holds nothing).
            // Either way nothing was ever committed there: a creating open adds the families, and
            // LoadMetadata checks nothing was written. A default family with records is left alone.
            addFamilies = missing.Length > 0 && names.All(n => n == "default" || Families.Contains(n))
                && (missing.Length < Families.Length || DefaultFamilyIsEmpty());
            if (addFamilies && !options.CreateIfMissing)
                throw Fail(StateStoreError.Missing, "no database there yet (its creation was interrupted; a creating open starts over)");
            if (missing.Length > 0 && !addFamilies)
                throw Fail(StateStoreError.NotAStateDatabase, $"a RocksDB database without the column families {string.Join(", ", missing)}");
        }
        _dbOptions.SetCreateIfMissing(!exists).SetCreateMissingColumnFamilies(!exists || addFamilies || migrating);
        var families = new ColumnFamilies(_plainOptions)
        {
            { StateFamily, _pointOptions },
            { TrieFamily, _nodeOptions },
            { BlocksFamily, _plainOptions },
            { JournalFamily, _plainOptions },
            { MetaFamily, _plainOptions },
        };
        if (migrating) families.Add(HashKeyedNodesFamily, _plainOptions);
        try
        {
            _db = RocksDbSharp.RocksDb.Open(_dbOptions, path, families);
        }
        catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
        {
            throw Translate(e);
        }
        try
        {
            _state = _db.GetColumnFamily(StateFamily);
            _nodes = _db.GetColumnFamily(TrieFamily);
            _blocks = _db.GetColumnFamily(BlocksFamily);
            _journal = _db.GetColumnFamily(JournalFamily);
            _meta = _db.GetColumnFamily(MetaFamily);
            if (!exists) WriteFormat();
            if (migrating) MigrateHashKeyedFormat();
            LoadMetadata(options.CreateIfMissing, options.MigrateOlderFormats);
        }
        catch (Exception e)
        {
            _db.Dispose();
            if (e is StateStoreException) throw;
            if (e is RocksDbException or RocksDbSharpException) throw Translate(e);
            throw;
        }
    }

    /// <summary>Block size of the trie family's tables.</summary>
    internal const int NodeBlockBytes = 4 << 10;

    /// <summary>
    /// Trie nodes are kept by place: a block overwrites the nodes on its paths and deletes the places
    /// that vanished, so the family holds one live trie and compaction reclaims what was superseded
    /// (leveled, RocksDB's default, which bounds that garbage). Over a state larger than memory a
    /// node read brings in its whole block, copied, checksummed and cached for little: cold branches
    /// are read once and kept, and the leaves next to them are built from the block's reads. With
    /// 4 KiB blocks rather than 16 a 10 M-account replay peaked 55-126 MB lower at the same speed
    /// (and 1 M, whose trie is warmed by scans, the same). The nodes are hashes, so no compression.
    /// </summary>
    private static BlockBasedTableOptions ConfigureNodeFamily(ColumnFamilyOptions options, Cache cache, int bloomBitsPerKey)
    {
        // A filter policy of its own: a table's options own the policy they are given.
        var bloom = BloomFilterPolicy.Create(bloomBitsPerKey, false);
        var table = new BlockBasedTableOptions().SetBlockCache(cache).SetFilterPolicy(bloom).SetWholeKeyFiltering(true)
            .SetCacheIndexAndFilterBlocks(true).SetPinL0FilterAndIndexBlocksInCache(true).SetFormatVersion(5)
            .SetBlockSize(NodeBlockBytes);
        options.SetBlockBasedTableFactory(table);
        return table;
    }

    /// <summary>
    /// The flat state's index and filter in 4 KiB partitions under a small pinned top level. Its values
    /// compress so well that one 80 MB table file of a compacted 10 M-account state holds ten million
    /// keys: a whole-file filter of 12 MB and an index of megabytes, which point reads kept evicting from
    /// the block cache and reading again (after the family's first full merge a 10 M replay's execution
    /// ran 2.5-2.8 times slower). Partitions are read and cached like data blocks.
    /// </summary>
    private static void PartitionIndexAndFilters(BlockBasedTableOptions table)
    {
        table.SetIndexType(BlockBasedTableIndexType.TwoLevelIndex);
        Native.Instance.rocksdb_block_based_options_set_partition_filters(table.Handle, 1);
        Native.Instance.rocksdb_block_based_options_set_metadata_block_size(table.Handle, 4096);
        Native.Instance.rocksdb_block_based_options_set_pin_top_level_index_and_filter(table.Handle, 1);
    }

    /// <summary>
    /// Whether <paramref name="path"/> holds a RocksDB database (RocksDB has written its <c>CURRENT</c>
    /// file): one an open would take as it is, or finish creating, rather than create.
    /// </summary>
    public static bool Exists(string path) => File.Exists(System.IO.Path.Combine(path, "CURRENT"));

    /// <summary>Opens (or, with <see cref="RocksDbStoreOptions.CreateIfMissing"/>, creates) the database in <paramref name="path"/>.</summary>
    public static RocksDbStateStore Open(string path, RocksDbStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= RocksDbStoreOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(options.JournalRetention);
        return new RocksDbStateStore(System.IO.Path.GetFullPath(path), options);
    }

    /// <inheritdoc/>
    public string Location => _path;
    /// <inheritdoc/>
    public bool IsInitialized => _initialized;
    /// <inheritdoc/>
    public StoredBlock Genesis => _genesis;
    /// <inheritdoc/>
    public StoredBlock Head => _head;
    /// <inheritdoc/>
    public int JournalRetention { get; }
    /// <summary>The format this open migrated the database from (<see cref="RocksDbStoreOptions.MigrateOlderFormats"/>); 0 when it was already this build's.</summary>
    public int MigratedFromFormat { get; private set; }
    /// <inheritdoc/>
    public int RevertibleBlocks => _initialized ? (int)Math.Max(0, _head.Number - Math.Max(_oldestJournal, _genesis.Number + 1) + 1) : 0;

    private void LoadMetadata(bool createIfMissing, bool migrate)
    {
        var format = _db.Get(FormatKey, _meta, _read);
        if (format is null)
        {
            // A creation killed after RocksDB wrote CURRENT and before the format record: nothing else
            // was ever written there, so a creating open finishes it.
            if (!IsEmpty()) throw Fail(StateStoreError.NotAStateDatabase, "no format-version record");
            if (!createIfMissing) throw Fail(StateStoreError.Missing, "no database there yet (its creation was interrupted; a creating open starts over)");
            format = WriteFormat();
        }
        if (format.Length != 8 || !format.AsSpan(0, 4).SequenceEqual(Magic)) throw Fail(StateStoreError.NotAStateDatabase, "the format record is not a ParallelExec one");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(format.AsSpan(4));
        if (version == HashKeyedFormatVersion)
        {
            // A migration interrupted after it dropped the old family: finish it.
            if (!migrate) throw Fail(StateStoreError.WrongVersion, $"format version 1, its migration to version {FormatVersion} was interrupted; migrate it again (`parallelexec migrate --db DIR`)");
            FinishMigration(HashKeyedFormatVersion);
            version = FormatVersion;
        }
        else if (version == FieldKeyedFormatVersion)
        {
            if (!migrate)
                throw Fail(StateStoreError.WrongVersion, "format version 2 (a flat-state key per account field): this build keeps each account in one record; migrate it (`parallelexec migrate --db DIR`: keeps the chain and its trie)");
            FinishMigration(FieldKeyedFormatVersion);
            version = FormatVersion;
        }
        if (version != FormatVersion)
            throw Fail(StateStoreError.WrongVersion, $"format version {version}, this build reads version {FormatVersion}");
        var nodesAt = _db.Get(TrieNodesAtKey, _meta, _read);
        if (nodesAt is not null)
        {
            if (!TryDecodeBlock(nodesAt, out var at)) throw Fail(StateStoreError.Corrupt, "the trie-nodes record is malformed");
            _nodesAt = at;
        }

        var head = _db.Get(HeadKey, _meta, _read);
        if (head is null)
        {
            if (_db.Get(InitKey, _meta, _read) is not null)
            {
                // No head was ever written, so no chain was ever committed: a creating open may start over.
                if (!createIfMissing)
                    throw Fail(StateStoreError.Corrupt, "its initialisation was interrupted (open it with creation allowed to start over)");
                ClearInterruptedInitialisation();
            }
            using var it = _db.NewIterator(_state, _scan);
            if (it.SeekToFirst().Valid()) throw Fail(StateStoreError.Corrupt, "state records but no head record");
            return; // created, never initialised
        }
        if (!TryDecodeBlock(head, out _head)) throw Fail(StateStoreError.Corrupt, "the head record is malformed");
        var genesis = _db.Get(GenesisKey, _meta, _read);
        if (genesis is null || !TryDecodeBlock(genesis, out _genesis)) throw Fail(StateStoreError.Corrupt, "the genesis record is missing or malformed");
        if (_head.Number < _genesis.Number) throw Fail(StateStoreError.Corrupt, $"the head (block {_head.Number}) is before the genesis (block {_genesis.Number})");
        if (!TryReadBlock(_head.Number, out var headRecord) || headRecord != _head)
            throw Fail(StateStoreError.Corrupt, $"the head block {_head.Number} has no matching block record");
        using (var it = _db.NewIterator(_journal, _scan))
        {
            _oldestJournal = it.SeekToFirst().Valid() ? ReadNumberKey(it.GetKeySpan()) : _head.Number + 1;
        }
        RecoverIngestedCheckpoint();
        DeleteCheckpointFile();
        _initialized = true;
    }

    /// <summary>
    /// Format 1 to 3: drops the hash-keyed node family (the new <c>trie</c> family starts empty), joins
    /// the accounts' fields (<see cref="JoinAccountFields"/>) and writes the new format record. The chain
    /// (flat state, blocks, journal) is kept; with no trie-nodes record, the next
    /// <see cref="ChainState.Open"/> rebuilds the trie from the flat state and writes its nodes. Each
    /// step is idempotent, so an interrupted migration is finished by the next.
    /// </summary>
    private void MigrateHashKeyedFormat()
    {
        _db.DropColumnFamily(HashKeyedNodesFamily);
        FinishMigration(HashKeyedFormatVersion);
    }

    private void FinishMigration(uint from)
    {
        JoinAccountFields();
        using var batch = new WriteBatch();
        if (from == HashKeyedFormatVersion) batch.Delete(TrieNodesAtKey, _meta);
        batch.Put(FormatKey, FormatRecord(), _meta);
        Write(batch);
        MigratedFromFormat = (int)from;
    }

    private byte[] WriteFormat()
    {
        var record = FormatRecord();
        _db.Put(FormatKey, record, _meta, _write);
        return record;
    }

    private bool IsEmpty()
    {
        foreach (var family in new[] { _state, _nodes, _blocks, _journal, _meta })
        {
            using var it = _db.NewIterator(family, _scan);
            if (it.SeekToFirst().Valid()) return false;
        }
        return true;
    }

    private void ClearInterruptedInitialisation()
    {
        var end = Enumerable.Repeat((byte)0xFF, TrieNodeKey.MaxLength + 1).ToArray();
        using var batch = new WriteBatch();
        batch.DeleteRange([], 0, end, (ulong)end.Length, _state);
        batch.DeleteRange([], 0, end, (ulong)end.Length, _nodes);
        batch.Delete(TrieNodesAtKey, _meta);
        batch.Delete(InitKey, _meta);
        Write(batch);
    }

    /// <summary>
    /// Whether the creation whose files are in the folder (no CURRENT yet) still holds the LOCK, i.e. is
    /// under way in another opener. RocksDB takes the LOCK before it looks for CURRENT, so an open that
    /// may not create fails on the LOCK while it is held, and on the missing CURRENT otherwise (like any
    /// refused open, it starts a new info LOG there). The database is not created either way.
    /// </summary>
    private bool CreationHoldsLock()
    {
        try
        {
            using var probe = RocksDbSharp.RocksDb.Open(_dbOptions.SetCreateIfMissing(false), _path);
            return false; // the creation finished meanwhile
        }
        catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
        {
            return IsLockError(e);
        }
    }

    /// <summary>
    /// Whether the database in the folder (which has only RocksDB's default family) holds no record
    /// there. Opened read-only, so a folder that turns out to hold something is not changed.
    /// </summary>
    private bool DefaultFamilyIsEmpty()
    {
        try
        {
            using var probe = RocksDbSharp.RocksDb.OpenReadOnly(_dbOptions, _path, false);
            using var it = probe.NewIterator(null, _scan);
            return !it.SeekToFirst().Valid();
        }
        catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
        {
            throw Translate(e);
        }
    }

    private static bool IsLockError(Exception e) => e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase);

    // Files RocksDB writes while creating a database, before CURRENT names its first manifest.
    private static bool IsCreationFile(string entry)
    {
        var name = System.IO.Path.GetFileName(entry);
        return name is "LOCK" or "LOG" or "IDENTITY" || name.StartsWith("LOG.old", StringComparison.Ordinal)
            || name.StartsWith("MANIFEST-", StringComparison.Ordinal) || name.StartsWith("OPTIONS-", StringComparison.Ordinal)
            || name.EndsWith(".dbtmp", StringComparison.Ordinal);
    }

    private StateStoreException Fail(StateStoreError error, string what, Exception? inner = null) =>
        new(error, $"state database {_path}: {what}", inner);

    private StateStoreException Translate(Exception e)
    {
        var message = e.Message;
        if (IsLockError(e))
            return Fail(StateStoreError.Locked, "in use by another process (its LOCK is held)", e);
        if (message.Contains("corrupt", StringComparison.OrdinalIgnoreCase) || message.Contains("checksum", StringComparison.OrdinalIgnoreCase))
            return Fail(StateStoreError.Corrupt, $"corrupt: {message}", e);
        return Fail(StateStoreError.IoError, message, e);
    }

    /// <inheritdoc/>
    public bool TryGet(in StateKey key, out UInt256 value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (key.Kind != StateKeyKind.Storage)
        {
            TryGetRecord(key.Address, out var record); // empty when the account has none
            return record.TryGet(key.Kind, out value);
        }
        Span<byte> keyBytes = stackalloc byte[StateKeyEncoding.MaxLength];
        Span<byte> buffer = stackalloc byte[ValueLength + 1];
        int length = ReadFlat(keyBytes[..StateKeyEncoding.Write(key, keyBytes)], buffer);
        value = default;
        if (length < 0) return false;
        if (length != ValueLength) throw Fail(StateStoreError.Corrupt, $"the value of {key} is malformed: {length} bytes");
        value = UInt256.FromBigEndian(buffer[..ValueLength]);
        return true;
    }

    /// <inheritdoc/>
    public bool TryGetBlock(long number, out StoredBlock block) => TryReadBlock(number, out block);

    private bool TryReadBlock(long number, out StoredBlock block)
    {
        var bytes = _db.Get(NumberKey(number), _blocks, _read);
        block = default;
        if (bytes is null) return false;
        if (!TryDecodeBlock(bytes, out block)) throw Fail(StateStoreError.Corrupt, $"the record of block {number} is malformed");
        return true;
    }

    /// <inheritdoc/>
    public StoredBlock? TrieNodesAt => _nodesAt;

    /// <inheritdoc/>
    public bool TryGetTrieNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, out byte[] rlp)
    {
        Span<byte> key = stackalloc byte[TrieNodeKey.MaxLength];
        int length = TrieNodeKey.Write(owner, path, key);
        try
        {
            rlp = _db.Get(key[..length], _nodes, _read)!;
        }
        catch (RocksDbException e)
        {
            throw Translate(e);
        }
        return rlp is not null;
    }

    /// <inheritdoc/>
    public unsafe long EstimateAccountTrieBytes()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The account trie's keys start with tag 0 (TrieNodeKey): the range [0x00, 0x01), in the
        // tables and in the memtables.
        byte start = 0, limit = 1;
        IntPtr startKey = (IntPtr)(&start), limitKey = (IntPtr)(&limit);
        UIntPtr length = 1;
        ulong size = 0;
        Native.Instance.rocksdb_approximate_sizes_cf_with_flags(_db.Handle, _nodes.Handle, 1, (IntPtr)(&startKey), (IntPtr)(&length),
            (IntPtr)(&limitKey), (IntPtr)(&length), IncludeFilesAndMemtables, (IntPtr)(&size), out var error);
        if (error != IntPtr.Zero)
        {
            Native.Instance.rocksdb_free(error);
            return -1;
        }
        return (long)size;
    }

    private const byte IncludeFilesAndMemtables = 1 | 2;

    /// <inheritdoc/>
    public bool ScanAccountTrie(TrieNodeVisitor visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            using var it = _db.NewIterator(_nodes, _scan);
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                var key = it.GetKeySpan();
                if (key.IsEmpty || key[0] != 0) break; // past the account trie (storage tries are tagged 1)
                if (!visit(key, it.GetValueSpan())) break;
            }
        }
        catch (RocksDbException e)
        {
            throw Translate(e);
        }
        return true;
    }

    /// <inheritdoc/>
    public bool ScanAccountSubtrie(int firstNibble, TrieNodeVisitor visit)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)firstNibble, 15u, nameof(firstNibble));
        ArgumentNullException.ThrowIfNull(visit);
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            // Tag 0, then the packed path: the nodes under the nibble share the high half of the key's
            // second byte. The root's key is the tag and a zero count, two bytes: it sorts first and is skipped.
            using var it = _db.NewIterator(_nodes, _scan);
            ReadOnlySpan<byte> start = [0, (byte)(firstNibble << 4)];
            for (it.Seek(start); it.Valid(); it.Next())
            {
                var key = it.GetKeySpan();
                if (key.Length < 2 || key[0] != 0 || key[1] >> 4 != firstNibble) break;
                if (key.Length == 2) continue; // the root
                if (!visit(key, it.GetValueSpan())) break;
            }
        }
        catch (RocksDbException e)
        {
            throw Translate(e);
        }
        return true;
    }

    /// <summary>Trie nodes stored (a scan of the trie family: for reports and checks, not for hot paths).</summary>
    public long CountTrieNodes()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long count = 0;
        using var it = _db.NewIterator(_nodes, _scan);
        for (it.SeekToFirst(); it.Valid(); it.Next()) count++;
        return count;
    }

    /// <summary>For tests: the trie family's table files at <paramref name="level"/> of its tree (0: the ones not yet compacted).</summary>
    internal int TrieFilesAtLevel(int level) =>
        int.Parse(_db.GetProperty($"rocksdb.num-files-at-level{level}", _nodes), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>For tests: RocksDB's sum of the flat state's table properties (entries, index partitions, filter size, …).</summary>
    internal string FlatStateTableProperties() => _db.GetProperty("rocksdb.aggregated-table-properties", _state);

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<StateKey, UInt256>> Entries()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return FlatEntries();
    }

    /// <inheritdoc/>
    public void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, StoredBlock genesis, IEnumerable<TrieNodeRecord>? trieNodes = null) =>
        Initialize(state, () => genesis, trieNodes);

    /// <inheritdoc/>
    public void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, Func<StoredBlock> genesis, IEnumerable<TrieNodeRecord>? trieNodes)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(state);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_initialized) throw new InvalidOperationException($"state database {_path} is already initialised (at block {_head.Number})");
        _db.Put(InitKey, new byte[] { 1 }, _meta, _write);
        BeginAccountWrite();
        var batch = new WriteBatch();
        StoredBlock genesisBlock;
        try
        {
            // Chunks of InitBatchSize, each put in key order (see PutChanges). A genesis comes sorted
            // (a chain file's is), so only an account split across two chunks is read back and merged.
            var changes = new StateChange[InitBatchSize];
            int count = 0;
            bool sorted = true, any = false;
            StateKey previous = default;
            Address? written = null;
            foreach (var (k, v) in state)
            {
                if (any && k.CompareTo(previous) < 0) sorted = false;
                any = true;
                previous = k;
                changes[count++] = new StateChange(k, v);
                if (count < InitBatchSize) continue;
                written = PutGenesisChunk(batch, changes, written, !sorted) ?? written;
                batch = Flush(batch);
                count = 0;
            }
            PutGenesisChunk(batch, changes.AsSpan(0, count), written, !sorted);
            if (trieNodes is not null) batch = PutWholeTrie(batch, trieNodes, count);
            genesisBlock = genesis();
            var record = EncodeBlock(genesisBlock);
            if (trieNodes is not null) batch.Put(TrieNodesAtKey, record, _meta);
            batch.Put(NumberKey(genesisBlock.Number), record, _blocks);
            batch.Put(GenesisKey, record, _meta);
            batch.Put(HeadKey, record, _meta);
            batch.Delete(InitKey, _meta);
            Write(batch);
        }
        finally
        {
            batch.Dispose();
            EndAccountWrite(written: true, wholesale: true);
        }
        _genesis = _head = genesisBlock;
        _nodesAt = trieNodes is null ? null : genesisBlock;
        _oldestJournal = genesisBlock.Number + 1;
        _initialized = true;
    }

    /// <summary>
    /// Puts trie nodes (no removals) as they come, in write batches of about
    /// <see cref="InitBatchSize"/> entries (<paramref name="pending"/>: the entries the batch holds); returns the batch to go on with. The batch copies each
    /// node when it is put, so a source that reuses its buffers is safe. A rewritten trie
    /// (<see cref="ReplaceTrieNodes"/>) comes this way; an imported one as table files where it can
    /// (<see cref="PutWholeTrie"/>).
    /// </summary>
    private WriteBatch PutAllNodes(WriteBatch batch, IEnumerable<TrieNodeRecord> trieNodes, ref int pending)
    {
        Span<byte> key = stackalloc byte[TrieNodeKey.MaxLength];
        foreach (var node in trieNodes)
        {
            if (node.IsRemoval) throw new ArgumentException("a whole trie holds no removals", nameof(trieNodes));
            int length = TrieNodeKey.Write(node.Owner.Span, node.Path.Span, key);
            batch.Put(key[..length], node.Rlp.Span, _nodes);
            if (++pending < InitBatchSize) continue;
            batch = Flush(batch);
            pending = 0;
        }
        return batch;
    }

    /// <inheritdoc/>
    public void ReplaceTrieNodes(IEnumerable<TrieNodeRecord> trieNodes, in StoredBlock at)
    {
        ArgumentNullException.ThrowIfNull(trieNodes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (at != _head) throw new InvalidOperationException($"the trie replaced must be the head's ({_head}), not {at}'s");
        var end = Enumerable.Repeat((byte)0xFF, TrieNodeKey.MaxLength + 1).ToArray();
        var batch = new WriteBatch();
        try
        {
            batch.Delete(TrieNodesAtKey, _meta);
            batch.DeleteRange([], 0, end, (ulong)end.Length, _nodes);
            _nodesAt = null;
            int pending = 0;
            batch = PutAllNodes(batch, trieNodes, ref pending);
            batch.Put(TrieNodesAtKey, EncodeBlock(at), _meta);
            Write(batch);
            _nodesAt = at;
        }
        finally
        {
            batch.Dispose();
        }
    }

    private WriteBatch Flush(WriteBatch batch)
    {
        Write(batch);
        batch.Dispose();
        return new WriteBatch();
    }

    private void Write(WriteBatch batch)
    {
        try
        {
            _db.Write(batch, _write);
        }
        catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
        {
            throw Translate(e);
        }
    }

    /// <inheritdoc/>
    public void Commit(in StoredBlock block, ReadOnlySpan<StateChange> changes, IReadOnlyCollection<TrieNodeRecord>? trieNodes = null,
        IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? previousValues = null)
    {
        StateStoreChecks.CheckCommit(this, _initialized, _disposed, block);
        _writtenAccounts?.Clear(); // what a failed commit before this one noted
        bool journaled = JournalRetention > 0;
        byte[]? journal = journaled ? ArrayPool<byte>.Shared.Rent(4 + changes.Length * MaxJournalEntryLength) : null;
        bool asFile = trieNodes is not null && WritesAsFile(trieNodes);
        using var batch = NewBatch(BatchBytes(changes.Length, asFile ? null : trieNodes, journaled));
        try
        {
            int o = PutChanges(batch, changes, previousValues, journal);
            if (trieNodes is not null)
            {
                if (asFile) WriteCheckpointFile(trieNodes);
                else PutSorted(batch, trieNodes);
                // The batch or the file holds a copy: a checkpoint's set goes now, not after the write, or its
                // nodes would be held three times at once (set, batch, memtable) as the write lands.
                (trieNodes as TrieNodeSet)?.Clear();
            }
            var blockKey = NumberKey(block.Number);
            var record = EncodeBlock(block);
            if (trieNodes is not null && !asFile) batch.Put(TrieNodesAtKey, record, _meta);
            if (journal is not null)
            {
                BinaryPrimitives.WriteInt32LittleEndian(journal, changes.Length);
                batch.Put(blockKey, journal.AsSpan(0, o), _journal);
            }
            long keepFrom = block.Number - JournalRetention + 1;
            long oldest = _oldestJournal;
            if (oldest < keepFrom)
            {
                if (keepFrom - oldest <= 8)
                {
                    for (long n = oldest; n < keepFrom; n++) batch.Delete(NumberKey(n), _journal);
                }
                else
                {
                    var from = NumberKey(oldest);
                    var to = NumberKey(keepFrom);
                    batch.DeleteRange(from, (ulong)from.Length, to, (ulong)to.Length, _journal);
                }
            }
            batch.Put(blockKey, record, _blocks);
            batch.Put(HeadKey, record, _meta);
            BeginAccountWrite();
            bool written = false;
            try
            {
                Write(batch);
                written = true;
            }
            finally
            {
                EndAccountWrite(written);
            }
            _head = block;
            if (oldest < keepFrom) _oldestJournal = keepFrom;
            if (asFile) IngestCheckpointFile(block, record);
            else if (trieNodes is not null) _nodesAt = block;
        }
        catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
        {
            throw Translate(e);
        }
        finally
        {
            if (journal is not null) ArrayPool<byte>.Shared.Return(journal);
            if (asFile) DeleteCheckpointFile(); // ingested (moved in), or left by a failure
        }
    }

    /// <summary>The memtable arena block for memtables of twice this or more (RocksDB's own: 1 MiB).</summary>
    private const long LargeArenaBlockBytes = 32L << 20;

    /// <summary>
    /// Memtables of 64 MiB or more take their memory in blocks of 32 MiB. glibc maps an allocation that
    /// large on its own and unmaps it when freed; RocksDB's 1 MiB blocks come from malloc's arenas
    /// instead, where a flushed memtable's memory stayed resident, pinned by the block cache's small
    /// allocations around it (a 10 M-account replay held ~330 MB of freed memory that way). Pages of a
    /// block the memtable has not reached are never touched, so a memtable still costs what it holds.
    /// </summary>
    private static void SetArenaBlocks(ColumnFamilyOptions family, long writeBufferBytes)
    {
        if (writeBufferBytes >= 2 * LargeArenaBlockBytes) family.SetArenaBlockSize((ulong)LargeArenaBlockBytes);
    }

    /// <summary>Batches at least this large are made at their final size (see <see cref="NewBatch"/>).</summary>
    private const long ReservedBatchMinimum = 4L << 20;

    /// <summary>
    /// A write batch with room for <paramref name="bytes"/>. Grown by doubling, a checkpoint's batch
    /// (hundreds of megabytes over a large state) would hold its old and new buffers at once while it
    /// copies; made at its size, it never copies. Pages of the room it does not use are never touched.
    /// </summary>
    private static WriteBatch NewBatch(long bytes) => bytes < ReservedBatchMinimum ? new WriteBatch()
        : new WriteBatch(Native.Instance.rocksdb_writebatch_create_with_params((UIntPtr)(ulong)bytes, UIntPtr.Zero, UIntPtr.Zero, UIntPtr.Zero));

    /// <summary>
    /// At most what a commit of <paramref name="changes"/> changes and <paramref name="trieNodes"/> puts in
    /// its batch: each record's key, value and a few bytes of tag, family and lengths, the journal, and
    /// room for the block record and head.
    /// </summary>
    private static long BatchBytes(int changes, IReadOnlyCollection<TrieNodeRecord>? trieNodes, bool journaled)
    {
        const int RecordOverhead = 1 + 5 + 5 + 5; // tag, family id, key and value lengths (varints)
        long bytes = 4096 + (long)changes * (StateKeyEncoding.MaxLength + ValueLength + RecordOverhead);
        if (journaled) bytes += 4 + (long)changes * MaxJournalEntryLength + RecordOverhead;
        if (trieNodes is null) return bytes;
        return bytes + (long)trieNodes.Count * (TrieNodeKey.MaxLength + RecordOverhead) + RlpBytes(trieNodes);
    }

    /// <summary>The nodes' RLP bytes (a <see cref="TrieNodeSet"/> keeps the sum).</summary>
    private static long RlpBytes(IReadOnlyCollection<TrieNodeRecord> trieNodes)
    {
        if (trieNodes is TrieNodeSet set) return set.ByteCount;
        long bytes = 0;
        foreach (var node in trieNodes) bytes += node.Rlp.Length;
        return bytes;
    }

    /// <summary>
    /// Puts trie nodes by place (<see cref="TrieNodeKey"/>): the removals first, then the writes, each
    /// in ascending key order (<see cref="SortedTrieNodes"/>), so a place both removed and written ends written.
    /// </summary>
    private void PutSorted(WriteBatch batch, IReadOnlyCollection<TrieNodeRecord> trieNodes)
    {
        using var sorted = new SortedTrieNodes(trieNodes);
        for (int pass = 0; pass < 2; pass++)
        {
            bool removals = pass == 0;
            for (int k = 0; k < sorted.Count; k++)
            {
                var node = sorted.NodeAt(k);
                if (node.IsRemoval != removals) continue;
                if (removals) batch.Delete(sorted.KeyAt(k).ToArray(), _nodes);
                else batch.Put(sorted.KeyAt(k), node.Rlp.Span, _nodes);
            }
        }
    }

    /// <inheritdoc/>
    public bool TryReadJournalKeys(long number, ICollection<StateKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var bytes = _db.Get(NumberKey(number), _journal, _read);
        var journal = bytes is null ? null : ReadJournal(bytes);
        if (journal is null) return false;
        foreach (var (key, _) in journal)
        {
            StateKeyEncoding.TryRead(key, out var stateKey); // ReadJournal checked every key
            keys.Add(stateKey);
        }
        return true;
    }

    /// <inheritdoc/>
    public StoredBlock Revert(int blocks)
    {
        StateStoreChecks.CheckRevert(this, _initialized, _disposed, blocks);
        BeginAccountWrite();
        try
        {
            return RevertJournals(blocks);
        }
        finally
        {
            EndAccountWrite(written: true, wholesale: true);
        }
    }

    private StoredBlock RevertJournals(int blocks)
    {
        using var batch = new WriteBatch();
        var records = new Dictionary<Address, AccountRecord>();
        for (int n = 0; n < blocks; n++)
        {
            long number = _head.Number - n;
            var key = NumberKey(number);
            var bytes = _db.Get(key, _journal, _read);
            var journal = bytes is null ? null : ReadJournal(bytes);
            if (journal is null) throw Fail(StateStoreError.Corrupt, $"the undo journal of block {number} is missing or malformed");
            UndoJournal(batch, journal, records);
            batch.Delete(key, _journal);
            batch.Delete(key, _blocks);
        }
        foreach (var (address, record) in records) PutRecord(batch, address, record);
        long target = _head.Number - blocks;
        if (!TryReadBlock(target, out var head)) throw Fail(StateStoreError.Corrupt, $"the record of block {target} is missing");
        batch.Put(HeadKey, EncodeBlock(head), _meta);
        bool forgetNodes = _nodesAt is { } at && at.Number > target;
        if (forgetNodes) batch.Delete(TrieNodesAtKey, _meta);
        Write(batch);
        _head = head;
        if (forgetNodes) _nodesAt = null;
        return head;
    }

    /// <inheritdoc/>
    public void WriteTrieNodes(IReadOnlyCollection<TrieNodeRecord> trieNodes, in StoredBlock at)
    {
        ArgumentNullException.ThrowIfNull(trieNodes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (at != _head) throw new InvalidOperationException($"trie nodes are written for the head ({_head}), not {at}");
        if (WritesAsFile(trieNodes))
        {
            try
            {
                WriteCheckpointFile(trieNodes);
                IngestCheckpointFile(at, EncodeBlock(at));
            }
            finally
            {
                DeleteCheckpointFile();
            }
            return;
        }
        using var batch = NewBatch(BatchBytes(0, trieNodes, journaled: false));
        PutSorted(batch, trieNodes);
        batch.Put(TrieNodesAtKey, EncodeBlock(at), _meta);
        Write(batch);
        _nodesAt = at;
    }

    /// <summary>The write-ahead log's bound, in memtables of the largest size (RocksDB then flushes the families holding its oldest file).</summary>
    private const int MaxLogMemtables = 4;

    /// <summary>
    /// Flushes every family's memtable, then closes: the log is then empty, so the next open replays
    /// nothing (an open after a close without it replayed up to the log's bound, seconds at 1 M accounts).
    /// A failing flush loses nothing (what the memtables hold is in the log) and is not reported.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        IntPtr[] families = [_state.Handle, _nodes.Handle, _blocks.Handle, _journal.Handle, _meta.Handle];
        var flush = new FlushOptions().SetWaitForFlush(true); // its finalizer frees the handle: kept alive past the call
        Native.Instance.rocksdb_flush_cfs(_db.Handle, flush.Handle, families, families.Length, out IntPtr error);
        GC.KeepAlive(flush);
        if (error != IntPtr.Zero) Native.Instance.rocksdb_free(error);
        _db.Dispose();
        _accounts?.Dispose();
    }
}
