using ParallelExec.State;

namespace ParallelExec.Batches;

/// <summary>
/// A batch's own address table and the rule for naming an address. A reference is one LEB128 value
/// r: even r names table entry r/2, odd r names <see cref="AccountDirectory"/> position (r−1)/2.
/// The encoder puts an address in the table when it is not in the directory, or when naming it
/// through the table is shorter over its uses (the fee beneficiary, a token, a pool: one byte each);
/// entries are ordered by use count, most used first, so the most used get one-byte references.
/// A table entry is itself a directory position (LEB128 of position + 1) or, after a zero, 20 raw bytes.
/// </summary>
public sealed class AddressTable
{
    private readonly Address[] _entries;
    private readonly Dictionary<Address, int> _indexes;
    private readonly AccountDirectory? _directory;

    private AddressTable(Address[] entries, AccountDirectory? directory)
    {
        _entries = entries;
        _directory = directory;
        _indexes = new Dictionary<Address, int>(entries.Length);
        for (int i = 0; i < entries.Length; i++) _indexes[entries[i]] = i;
    }

    /// <summary>The entries, in table order.</summary>
    public IReadOnlyList<Address> Entries => _entries;

    /// <summary>
    /// The table for addresses used <paramref name="uses"/> times each, naming directory positions where
    /// shorter (no directory: every address goes in the table).
    /// </summary>
    public static AddressTable Build(IReadOnlyDictionary<Address, int> uses, AccountDirectory? directory)
    {
        var byUse = uses.ToArray();
        Array.Sort(byUse, (a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : a.Key.CompareTo(b.Key));
        var entries = new List<Address>();
        foreach (var (address, count) in byUse)
        {
            if (directory is null || !directory.TryGetPosition(address, out int position))
            {
                entries.Add(address);
                continue;
            }
            long direct = (long)count * Leb128.Size(DirectoryReference(position));
            long viaTable = Leb128.Size((ulong)position + 1) + (long)count * Leb128.Size(TableReference(entries.Count));
            if (viaTable < direct) entries.Add(address);
        }
        return new AddressTable([.. entries], directory);
    }

    /// <summary>A table decoded from a batch: <paramref name="entries"/> in table order.</summary>
    public static AddressTable FromEntries(Address[] entries, AccountDirectory? directory) => new(entries, directory);

    /// <summary>The reference naming <paramref name="address"/>; it must be in the table or the directory.</summary>
    public ulong ReferenceOf(in Address address)
    {
        if (_indexes.TryGetValue(address, out int index)) return TableReference(index);
        if (_directory is not null && _directory.TryGetPosition(address, out int position)) return DirectoryReference(position);
        throw new ArgumentException($"address {address} is neither in the batch's table nor in the directory");
    }

    /// <summary>The address <paramref name="reference"/> names, or null when it is past the table or the directory.</summary>
    public Address? Resolve(ulong reference)
    {
        ulong index = reference >> 1;
        if ((reference & 1) == 0) return index < (ulong)_entries.Length ? _entries[index] : null;
        return _directory is not null && index < (ulong)_directory.Count ? _directory[(int)index] : null;
    }

    /// <summary>The reference of table entry <paramref name="index"/>.</summary>
    public static ulong TableReference(int index) => (ulong)index << 1;

    /// <summary>The reference of directory position <paramref name="position"/>.</summary>
    public static ulong DirectoryReference(int position) => ((ulong)position << 1) | 1;
}
