using Microsoft.Win32.SafeHandles;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// RocksDB's table-file writer tells the system, every megabyte it writes, that the file's pages are
/// not needed: the file leaves the page cache as it is written. An imported trie's files, ingested,
/// were then read from disk, one 4 KiB block a lookup, until a compaction wrote them again (the first
/// blocks after a 10 M-account import ran at half speed). Reading a file once, in order, puts it back
/// in the page cache as a compaction's output is. A checkpoint's file is read back on a pool thread
/// while the blocks go on: the nodes it holds are in the trie's memory when it lands, but the
/// compaction that merges it reads all of it, and nodes evicted since are read from it again (at 10 M
/// accounts, ~570 MB of compaction reads and 130-280 MB of the blocks' reads from disk over 48 blocks).
/// Read back on the commit's own thread, it cost the blocks what it saved.
/// </summary>
internal static class TableFileCache
{
    private const int ReadBytes = 1 << 20;

    /// <summary>Opens <paramref name="path"/> for <see cref="LoadInBackground"/>, or null where it cannot be opened (the pages are only a cache).</summary>
    public static SafeFileHandle? TryOpen(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the file open in <paramref name="file"/> through on a pool thread, then closes it; the
    /// caller goes on at once. The pages are only a cache: a failed read is dropped. Linux only (where
    /// the writer drops the pages); elsewhere the handle is closed and nothing is read. The task's
    /// result is the bytes read.
    /// </summary>
    public static Task<long> LoadInBackground(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            file.Dispose();
            return Task.FromResult(0L);
        }
        return Task.Run(() =>
        {
            try
            {
                return ReadThrough(file);
            }
            catch (IOException)
            {
                return 0L;
            }
            finally
            {
                file.Dispose();
            }
        });
    }

    /// <summary>Reads <paramref name="path"/> through once, so its pages are cached.</summary>
    public static void Load(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        ReadThrough(file);
    }

    // Reads the whole file in order, a megabyte at a time; returns the bytes read.
    private static long ReadThrough(SafeFileHandle file)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ReadBytes);
        try
        {
            long offset = 0;
            for (int n; (n = RandomAccess.Read(file, buffer.AsSpan(0, ReadBytes), offset)) > 0;) offset += n;
            return offset;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
