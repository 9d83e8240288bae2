using ParallelExec.Crypto;
using ParallelExec.Trie;
using RocksDbSharp;
using static ParallelExec.Storage.RocksDb.RocksDbLayout;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// A large checkpoint's trie nodes go to the trie family as a table file of their own, ingested,
/// not through the block's write batch: nothing of them is put in a memtable, logged, then flushed
/// again, and no batch of hundreds of megabytes is held while it lands (at 1 M accounts each
/// checkpoint writes ~490,000 nodes, at 10 M ~800,000).
/// <para>
/// An ingestion is atomic, but not together with a write batch, so a checkpoint lands in order: the
/// block's batch (flat state, journal, block record, head; the trie record still names the previous
/// checkpoint, whose nodes the family holds); the log synced, so the block is durable before its
/// nodes are; the file ingested; the trie record moved to the block. A crash between the last two
/// leaves the family holding the head's trie under a record that names the checkpoint before:
/// <see cref="RecoverIngestedCheckpoint"/> finds that at open, as the stored root node hashing to
/// the head's state root (tries with one root are one trie, node for node). <see cref="WriteTrieNodes"/>
/// (a head made a checkpoint after its commit) lands a large set the same way, without the batch.
/// </para>
/// </summary>
public sealed partial class RocksDbStateStore
{
    /// <summary>The table file a checkpoint's nodes are written to, in the database folder, before it is ingested.</summary>
    internal const string CheckpointFileName = "checkpoint-nodes.sst.tmp";

    /// <summary>The account trie's root node: tag 0, no nibbles (<see cref="TrieNodeKey"/>).</summary>
    private static readonly byte[] AccountRootKey = [0, 0];

    /// <summary>For tests: called with the step a checkpoint written as a file has reached ("committed", "ingested"); it may throw to stop the commit there, as a crash would.</summary>
    internal Action<string>? CheckpointFileStep { get; set; }

    /// <summary>Checkpoints this store landed as table files (for tests).</summary>
    internal int CheckpointFilesIngested { get; private set; }

    /// <summary>The read-back of the last checkpoint file ingested (<see cref="TableFileCache.LoadInBackground"/>), for tests: its result is the bytes read.</summary>
    internal Task<long>? CheckpointFileReadBack { get; private set; }

    private string CheckpointFile => System.IO.Path.Combine(_path, CheckpointFileName);

    // A table file holds at least one entry: an empty set (nothing changed since the last checkpoint) goes in the batch.
    private bool WritesAsFile(IReadOnlyCollection<TrieNodeRecord> trieNodes) =>
        trieNodes.Count > 0 && RlpBytes(trieNodes) >= _checkpointFileMinimum;

    /// <summary>
    /// Writes the nodes, sorted, to the checkpoint file (a table of the trie family's options), a
    /// place both removed and written as written. The caller deletes the file once it has landed or failed.
    /// </summary>
    private void WriteCheckpointFile(IReadOnlyCollection<TrieNodeRecord> trieNodes)
    {
        using var sorted = new SortedTrieNodes(trieNodes);
        using var writer = new SstFileWriter(_envOptions, _nodeOptions);
        try
        {
            writer.Open(CheckpointFile);
            for (int k = 0; k < sorted.Count;)
            {
                var key = sorted.KeyAt(k);
                var node = sorted.NodeAt(k);
                int next = k + 1;
                for (; next < sorted.Count && sorted.KeyAt(next).SequenceEqual(key); next++)
                {
                    if (node.IsRemoval) node = sorted.NodeAt(next);
                }
                AppendToTable(writer, key, node);
                k = next;
            }
            writer.Finish();
        }
        catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
        {
            throw Translate(e);
        }
    }

    /// <summary>Appends a node to a table file being written (keys ascending): its RLP at its key, or the key's deletion for a removal.</summary>
    private static unsafe void AppendToTable(SstFileWriter writer, ReadOnlySpan<byte> key, in TrieNodeRecord node)
    {
        fixed (byte* keyBytes = key)
        fixed (byte* rlp = node.Rlp.Span)
        {
            if (node.IsRemoval) Native.Instance.rocksdb_sstfilewriter_delete(writer.Handle, keyBytes, (UIntPtr)key.Length);
            else Native.Instance.rocksdb_sstfilewriter_put(writer.Handle, keyBytes, (UIntPtr)key.Length, rlp, (UIntPtr)node.Rlp.Length);
        }
    }

    /// <summary>
    /// Lands the checkpoint file of <paramref name="block"/>, whose batch has just been written: the log
    /// synced (unless every commit syncs it), the file ingested into the trie family, the trie record
    /// moved to the block. The caller deletes the file afterwards.
    /// </summary>
    private void IngestCheckpointFile(in StoredBlock block, byte[] record)
    {
        try
        {
            CheckpointFileStep?.Invoke("committed");
            if (!_syncCommits) Native.Instance.rocksdb_flush_wal(_db.Handle, 1);
            // Opened before the ingestion moves the file in under another name (the same file).
            var readBack = TableFileCache.TryOpen(CheckpointFile);
            try
            {
                _db.IngestExternalFiles([CheckpointFile], _ingestOptions, _nodes);
            }
            catch
            {
                readBack?.Dispose();
                throw;
            }
            // The family holds the block's trie from here on, whether or not its record follows.
            _nodesAt = block;
            CheckpointFilesIngested++;
            if (readBack is not null) CheckpointFileReadBack = TableFileCache.LoadInBackground(readBack);
            CheckpointFileStep?.Invoke("ingested");
            _db.Put(TrieNodesAtKey, record, _meta, _write);
        }
        catch (Exception e) when (e is RocksDbException or RocksDbSharpException)
        {
            throw Translate(e);
        }
    }

    private void DeleteCheckpointFile()
    {
        try
        {
            File.Delete(CheckpointFile); // gone once ingested (moved in); a failed write or ingestion leaves it
        }
        catch (IOException)
        {
            // Left for the next checkpoint, which overwrites it.
        }
    }

    /// <summary>
    /// At open: a trie record that names a block before the head, over a family whose account-trie root
    /// node hashes to the head's state root, is a checkpoint ingested by a commit that stopped before
    /// it moved the record (or a head whose root the recorded checkpoint shares): the family holds the
    /// head's trie. Only a recorded checkpoint counts: where no record is kept, the family may hold a
    /// trie half written (its record is removed before a whole trie is rewritten in several batches).
    /// </summary>
    private void RecoverIngestedCheckpoint()
    {
        if (_nodesAt is not { } at || at == _head) return;
        var root = _db.Get(AccountRootKey, _nodes, _read);
        if (root is null || Keccak256.Compute(root) != _head.StateRoot) return;
        _nodesAt = _head;
        _db.Put(TrieNodesAtKey, EncodeBlock(_head), _meta, _write);
    }
}
