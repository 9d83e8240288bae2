using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// A block-level access list (EIP-7928): every account and storage slot a block accessed, with the
/// post-value of every change at the index of the transaction that made it. Always canonical: the
/// constructor rejects anything out of order or duplicated (<see cref="AccessListStructure"/>), so
/// an instance has exactly one RLP encoding and one hash. Immutable by convention (do not modify
/// the arrays it was built from).
/// </summary>
public sealed class BlockAccessList
{
    /// <summary>The empty list: a block that accessed nothing (RLP <c>0xc0</c>).</summary>
    public static readonly BlockAccessList Empty = new([]);

    /// <summary>Builds a list from accounts in EIP-7928 order; throws <see cref="BlockAccessListException"/> otherwise.</summary>
    public BlockAccessList(AccountChanges[] accounts)
    {
        AccessListStructure.Validate(accounts);
        Accounts = accounts;
    }

    /// <summary>The accounts, ascending by address.</summary>
    public IReadOnlyList<AccountChanges> Accounts { get; }

    /// <summary>Canonical RLP encoding (EIP-7928's <c>rlp.encode(block_access_list)</c>).</summary>
    public byte[] Encode() => AccessListRlp.Encode(this);

    /// <summary><c>block_access_list_hash</c>: Keccak-256 of the RLP encoding.</summary>
    public Hash256 ComputeHash() => Keccak256.Compute(Encode());

    /// <summary>Decodes and checks an RLP encoding (one-line <see cref="BlockAccessListException"/> on any problem).</summary>
    public static BlockAccessList Decode(ReadOnlySpan<byte> rlp, AccessListLimits? limits = null) => AccessListRlp.Decode(rlp, limits);

    /// <summary>The Engine API / test-fixture JSON form.</summary>
    public string ToJson(bool indented = false) => AccessListJson.Write(this, indented);

    /// <summary>Parses and checks the JSON form (one-line <see cref="BlockAccessListException"/> on any problem).</summary>
    public static BlockAccessList FromJson(string json, AccessListLimits? limits = null) => AccessListJson.Read(json, limits);

    /// <summary>Number of changes over all accounts and fields (storage, balance, nonce, code).</summary>
    public int ChangeCount
    {
        get
        {
            int count = 0;
            foreach (var account in Accounts)
            {
                foreach (var slot in account.StorageChanges) count += slot.Changes.Length;
                count += account.BalanceChanges.Length + account.NonceChanges.Length + account.CodeChanges.Length;
            }
            return count;
        }
    }

    /// <summary>Number of storage slots listed (changed or read).</summary>
    public int SlotCount
    {
        get
        {
            int count = 0;
            foreach (var account in Accounts) count += account.StorageChanges.Length + account.StorageReads.Length;
            return count;
        }
    }

    /// <summary>The highest block access index of any change (0 when there is none).</summary>
    public int MaxIndex
    {
        get
        {
            int max = 0;
            foreach (var account in Accounts)
            {
                foreach (var slot in account.StorageChanges) max = Math.Max(max, slot.Changes[^1].Index);
                if (account.BalanceChanges.Length > 0) max = Math.Max(max, account.BalanceChanges[^1].Index);
                if (account.NonceChanges.Length > 0) max = Math.Max(max, account.NonceChanges[^1].Index);
                if (account.CodeChanges.Length > 0) max = Math.Max(max, account.CodeChanges[^1].Index);
            }
            return max;
        }
    }
}
