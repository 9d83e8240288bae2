using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// Where a chain file's embedded genesis lies, for a genesis not held in memory: its entries are read
/// again from the file, in key order, each time <see cref="Entries"/> is enumerated (checked as on the
/// first read: a file changed since is a <see cref="ChainFormatException"/>, never a wrong state).
/// </summary>
public sealed class GenesisSection
{
    internal GenesisSection(string path, long offset, long count)
    {
        Path = path;
        Offset = offset;
        Count = count;
    }

    /// <summary>The chain file.</summary>
    public string Path { get; }

    /// <summary>Byte offset of the first entry.</summary>
    public long Offset { get; }

    /// <summary>Number of entries.</summary>
    public long Count { get; }

    /// <summary>The entries in key order (by address, then kind, then slot), streamed from the file.</summary>
    public IEnumerable<KeyValuePair<StateKey, UInt256>> Entries()
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        stream.Seek(Offset, SeekOrigin.Begin);
        // The checksum and digest were checked when the file was opened: only the entries' order is checked again.
        using var reader = new GenesisEntryReader(stream, Offset, crc: null);
        for (long i = 0; i < Count; i++)
        {
            var entry = reader.Read();
            if (reader.Disorder is { } disorder) throw disorder;
            yield return entry;
        }
    }
}
