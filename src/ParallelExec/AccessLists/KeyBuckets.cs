namespace ParallelExec.AccessLists;

/// <summary>
/// One worker's key-table entries by partition (<see cref="NamedKeyTable.SlotValue"/>), collected while
/// it fills the view: appending is a sequential write, where inserting at once would be a cache miss
/// into the whole table per key. Afterwards each partition (a 64th of the table: 16 KiB for 60,000
/// keys) is inserted by one worker from every worker's bucket. Reused across blocks.
/// </summary>
internal sealed class KeyBuckets
{
    private readonly long[][] _values = new long[NamedKeyTable.Partitions][];
    private readonly int[] _counts = new int[NamedKeyTable.Partitions];

    public KeyBuckets()
    {
        for (int p = 0; p < _values.Length; p++) _values[p] = new long[64];
    }

    public void Clear() => Array.Clear(_counts);

    public void Add(int partition, long value)
    {
        int count = _counts[partition];
        if (count == _values[partition].Length) Array.Resize(ref _values[partition], count * 2);
        _values[partition][count] = value;
        _counts[partition] = count + 1;
    }

    public ReadOnlySpan<long> Of(int partition) => _values[partition].AsSpan(0, _counts[partition]);

    public int Count(int partition) => _counts[partition];
}
