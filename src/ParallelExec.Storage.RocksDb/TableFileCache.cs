namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// RocksDB's table-file writer tells the system, every megabyte it writes, that the file's pages are
/// not needed: the file leaves the page cache as it is written. An imported trie's files, ingested,
/// were then read from disk, one 4 KiB block a lookup, until a compaction wrote them again (the first
/// blocks after a 10 M-account import ran at half speed). Reading a file once, in order, puts it back
/// in the page cache as a compaction's output is. (A checkpoint's file is not read back: the nodes it
/// holds are in the trie's memory when it lands, and reading it changed nothing measurable.)
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
