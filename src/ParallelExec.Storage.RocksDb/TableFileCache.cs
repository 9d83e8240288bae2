namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// RocksDB's table-file writer (what a checkpoint file and an imported trie are written with) tells
/// the system, every megabyte it writes, that the file's pages are not needed: the file leaves the
/// page cache as it is written. Ingested, its nodes are then read from disk, one 4 KiB block a
/// lookup, until a compaction writes them again (a 10 M-account import's blocks ran at half speed).
/// Reading the file once, in order, puts it back in the page cache as a compaction's output is.
/// </summary>
internal static class TableFileCache
{
    private const int ReadBytes = 1 << 20;

    /// <summary>Reads <paramref name="path"/> through once, so its pages are cached.</summary>
    public static void Load(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ReadBytes);
        try
        {
            while (file.Read(buffer, 0, ReadBytes) > 0)
            {
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
