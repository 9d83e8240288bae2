using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Batches;

/// <summary>
/// The accounts of a chain's genesis, sorted by address: a batch may name an account by its position
/// here (about 3 bytes for a million accounts) instead of its 20 bytes, as zkSync names accounts by
/// id. Both sides derive it from the same genesis; the batch header carries its size and
/// <see cref="Hash"/> (Keccak-256 of the sorted addresses) so a decoder given another state refuses.
/// Accounts created after the genesis are named through the batch's own <see cref="AddressTable"/>.
/// </summary>
public sealed class AccountDirectory
{
    private readonly Address[] _addresses;
    private Dictionary<Address, int>? _positions;

    private AccountDirectory(Address[] sorted)
    {
        _addresses = sorted;
        var bytes = new byte[sorted.Length * Address.Size];
        for (int i = 0; i < sorted.Length; i++) sorted[i].WriteTo(bytes.AsSpan(i * Address.Size, Address.Size));
        Hash = Keccak256.Compute(bytes);
    }

    /// <summary>The directory of every address that has a key in <paramref name="genesis"/>.</summary>
    public static AccountDirectory FromState(InMemoryState genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        var set = new HashSet<Address>();
        foreach (var entry in genesis.Entries) set.Add(entry.Key.Address);
        var sorted = set.ToArray();
        Array.Sort(sorted);
        return new AccountDirectory(sorted);
    }

    /// <summary>Accounts in the directory.</summary>
    public int Count => _addresses.Length;

    /// <summary>Keccak-256 of the sorted addresses, 20 bytes each: names the directory in a batch header.</summary>
    public Hash256 Hash { get; }

    /// <summary>The account at <paramref name="position"/>.</summary>
    public Address this[int position] => _addresses[position];

    /// <summary>The position of <paramref name="address"/>, if it is in the directory.</summary>
    public bool TryGetPosition(in Address address, out int position)
    {
        _positions ??= BuildPositions();
        return _positions.TryGetValue(address, out position);
    }

    private Dictionary<Address, int> BuildPositions()
    {
        var positions = new Dictionary<Address, int>(_addresses.Length);
        for (int i = 0; i < _addresses.Length; i++) positions[_addresses[i]] = i;
        return positions;
    }
}
