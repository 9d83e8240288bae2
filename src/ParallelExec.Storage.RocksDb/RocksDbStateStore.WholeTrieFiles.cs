using RocksDbSharp;
using ParallelExec.Trie;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// A whole trie (a genesis import's) goes to the trie family as table files, ingested, not through
/// write batches: through memtables the ~1 GB of nodes of a 10 M-account state landed as dozens of
/// overlapping level-0 files, which compactions rewrote while the import went on (a third of its CPU).
/// <para>
/// A table file takes keys in ascending order only, and the nodes come depth first: the import's
/// builder emits a node once its subtree is done, each storage trie whole, the account trie's nodes
/// interleaved with them. Depth-first order is not key order, but a subtree is one key range and
/// sibling subtrees follow each other in key order. So nodes at least <see cref="UpperNibbles"/>
/// deep are held until a node above that depth of the same trie comes (the subtrees held are then
/// complete), sorted, and appended to the deep files (the account trie's, the storage tries'); the
/// few nodes above that depth are held per trie and appended, sorted, to the upper files when the
/// trie is done (a storage trie when the next owner starts, the account trie at the end). The deep
/// files do not overlap: ingested first, they go to the bottom level. The upper files overlap their
/// ranges, and RocksDB puts such a file in level 0 while the levels between are unused: a few
/// thousand nodes, merged by the first compaction the checkpoints bring. A sorted run that does not
/// start past what its file holds (nodes in another order) goes to the write batches instead, so
/// every node lands once in any order; only the speed depends on the order.
/// </para>
/// </summary>
public sealed partial class RocksDbStateStore
{
    /// <summary>Nodes with a shorter path are held per trie until it is done: at most 4,369 per trie.</summary>
    private const int UpperNibbles = 4;

    /// <summary>The names of the table files in the database folder begin so (RocksDB's own are numbers).</summary>
    private const string FilePrefix = "import-";

    /// <summary>Deep nodes held at most at once (a trie whose top levels are one long extension holds them all): past it they go to the batches.</summary>
    private const int MaxHeldNodes = 1 << 18;

    /// <summary>For tests: nodes of whole tries written as table files, and put in write batches instead.</summary>
    internal long WholeTrieNodesInFiles { get; private set; }

    /// <inheritdoc cref="WholeTrieNodesInFiles"/>
    internal long WholeTrieNodesInBatches { get; private set; }

    /// <summary>
    /// Writes a whole trie's nodes (no removals) into an empty trie family: table files for the nodes
    /// in depth-first order, <paramref name="batch"/> for the rest; returns the batch to go on with.
    /// </summary>
    private WriteBatch PutWholeTrie(WriteBatch batch, IEnumerable<TrieNodeRecord> trieNodes, int pending)
    {
        using var files = new WholeTrieFiles(this);
        var unordered = files.Unordered;
        foreach (var node in trieNodes)
        {
            if (node.IsRemoval) throw new ArgumentException("a whole trie holds no removals", nameof(trieNodes));
            files.Add(node);
            if (unordered.Count == 0) continue;
            batch = PutAllNodes(batch, unordered, ref pending);
            WholeTrieNodesInBatches += unordered.Count;
            unordered.Clear();
        }
        files.Finish();
        batch = PutAllNodes(batch, unordered, ref pending);
        WholeTrieNodesInBatches += unordered.Count;
        files.Ingest();
        WholeTrieNodesInFiles += files.NodesInFiles;
        return batch;
    }

    /// <summary>The four table files of a whole trie and the nodes held for them.</summary>
    private sealed class WholeTrieFiles : IDisposable
    {
        private readonly RocksDbStateStore _store;
        private readonly TableFiles _accountDeep, _storageDeep, _accountUpper, _storageUpper;
        private readonly HeldTrie _account = new(), _storage = new();

        public WholeTrieFiles(RocksDbStateStore store)
        {
            _store = store;
            // An import killed before its files were ingested left them; this one writes fewer, perhaps.
            foreach (var left in Directory.GetFiles(store._path, $"{FilePrefix}*.sst")) File.Delete(left);
            _accountDeep = new TableFiles(store, $"{FilePrefix}account-deep");
            _storageDeep = new TableFiles(store, $"{FilePrefix}storage-deep");
            _accountUpper = new TableFiles(store, $"{FilePrefix}account-upper");
            _storageUpper = new TableFiles(store, $"{FilePrefix}storage-upper");
        }

        /// <summary>Nodes out of order, for the caller to put in its batches (and clear).</summary>
        public List<TrieNodeRecord> Unordered { get; } = new();

        public long NodesInFiles => _accountDeep.Count + _storageDeep.Count + _accountUpper.Count + _storageUpper.Count;

        public void Add(in TrieNodeRecord node)
        {
            bool ofAccounts = node.Owner.IsEmpty;
            var trie = ofAccounts ? _account : _storage;
            if (!ofAccounts && !node.Owner.Span.SequenceEqual(trie.Owner.Span))
            {
                FinishStorageTrie();
                trie.Owner = node.Owner.ToArray();
            }
            var held = new TrieNodeRecord(node.Hash, node.Rlp.ToArray(), trie.Owner, node.Path.ToArray());
            var deepFile = ofAccounts ? _accountDeep : _storageDeep;
            if (node.Path.Length >= UpperNibbles)
            {
                trie.Deep.Add(held);
                if (trie.Deep.Count < MaxHeldNodes) return;
                Unordered.AddRange(trie.Deep);
                trie.Deep.Clear();
                return;
            }
            Append(trie.Deep, deepFile); // every subtree held is done: this node is above them all
            trie.Upper.Add(held);
        }

        /// <summary>Appends what is still held (after the last node) and closes the files.</summary>
        public void Finish()
        {
            FinishStorageTrie();
            Append(_account.Deep, _accountDeep);
            Append(_account.Upper, _accountUpper);
            _accountDeep.Finish();
            _storageDeep.Finish();
            _accountUpper.Finish();
            _storageUpper.Finish();
        }

        /// <summary>The deep files first (to the bottom level), then the upper ones (level 0).</summary>
        public void Ingest()
        {
            IngestFiles(_accountDeep, _storageDeep);
            IngestFiles(_accountUpper, _storageUpper);
        }

        private void IngestFiles(TableFiles first, TableFiles second)
        {
            var paths = first.Paths.Concat(second.Paths).ToArray();
            if (paths.Length == 0) return;
            try
            {
                _store._db.IngestExternalFiles(paths, _store._ingestOptions, _store._nodes);
            }
            catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
            {
                throw _store.Translate(e);
            }
        }

        private void FinishStorageTrie()
        {
            Append(_storage.Deep, _storageDeep);
            Append(_storage.Upper, _storageUpper);
        }

        /// <summary>Sorts <paramref name="nodes"/> and appends them to <paramref name="file"/>, or to <see cref="Unordered"/> where they do not follow what it holds; clears them.</summary>
        private void Append(List<TrieNodeRecord> nodes, TableFiles file)
        {
            if (nodes.Count == 0) return;
            using (var sorted = new SortedTrieNodes(nodes))
            {
                if (!file.Follows(sorted.KeyAt(0)) || HasEqualKeys(sorted)) Unordered.AddRange(nodes);
                else for (int k = 0; k < sorted.Count; k++) file.Put(sorted.KeyAt(k), sorted.NodeAt(k));
            }
            nodes.Clear();
        }

        // A place given twice (not a whole trie): the batches keep the last, as they always did.
        private static bool HasEqualKeys(in SortedTrieNodes sorted)
        {
            for (int k = 1; k < sorted.Count; k++)
            {
                if (sorted.KeyAt(k).SequenceEqual(sorted.KeyAt(k - 1))) return true;
            }
            return false;
        }

        public void Dispose()
        {
            _accountDeep.Dispose();
            _storageDeep.Dispose();
            _accountUpper.Dispose();
            _storageUpper.Dispose();
        }
    }

    /// <summary>One trie's nodes held: the deep ones since its last upper node, and its upper ones.</summary>
    private sealed class HeldTrie
    {
        public ReadOnlyMemory<byte> Owner = ReadOnlyMemory<byte>.Empty;
        public readonly List<TrieNodeRecord> Deep = new();
        public readonly List<TrieNodeRecord> Upper = new();
    }

    /// <summary>
    /// Table files of the trie family's options in the database folder, each key past the last: a new
    /// file every <see cref="TableFileBytes"/> (one file of a whole 10 M-account trie had its index and
    /// filter blocks, megabytes each, thrown out of the block cache and read again by node reads:
    /// seven times slower blocks). Deleted on dispose (once ingested, their names are gone already).
    /// </summary>
    private sealed class TableFiles(RocksDbStateStore store, string name) : IDisposable
    {
        /// <summary>RocksDB's own target for the files its compactions write.</summary>
        private const long TableFileBytes = 64L << 20;

        private readonly List<string> _paths = new();
        private readonly byte[] _last = new byte[TrieNodeKey.MaxLength];
        private int _lastLength;
        private SstFileWriter? _writer;
        private long _bytes;

        public IReadOnlyList<string> Paths => _paths;

        public long Count { get; private set; }

        /// <summary>Whether <paramref name="key"/> sorts after every key written.</summary>
        public bool Follows(ReadOnlySpan<byte> key) => Count == 0 || key.SequenceCompareTo(_last.AsSpan(0, _lastLength)) > 0;

        public void Put(ReadOnlySpan<byte> key, in TrieNodeRecord node)
        {
            try
            {
                if (_writer is null || _bytes >= TableFileBytes)
                {
                    Finish();
                    var path = System.IO.Path.Combine(store._path, $"{name}-{_paths.Count}.sst");
                    _writer = new SstFileWriter(store._envOptions, store._nodeOptions);
                    _writer.Open(path);
                    _paths.Add(path);
                    _bytes = 0;
                }
                AppendToTable(_writer, key, node);
            }
            catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
            {
                throw store.Translate(e);
            }
            key.CopyTo(_last);
            _lastLength = key.Length;
            _bytes += key.Length + node.Rlp.Length;
            Count++;
        }

        /// <summary>Closes the file being written.</summary>
        public void Finish()
        {
            if (_writer is null) return;
            try
            {
                _writer.Finish();
                TableFileCache.Load(_paths[^1]);
            }
            catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
            {
                throw store.Translate(e);
            }
            finally
            {
                _writer.Dispose();
                _writer = null;
            }
        }

        public void Dispose()
        {
            _writer?.Dispose();
            _writer = null;
            foreach (var path in _paths)
            {
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                    // Overwritten by the next import into this folder.
                }
            }
        }
    }
}
