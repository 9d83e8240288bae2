using ParallelExec.Rlp;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// The state trie of a whole state given in trie order (<see cref="HashedStateSorter"/>), built in
/// memory bounded by the tries' depth (<see cref="SortedTrieBuilder"/>): each account's storage trie
/// from its slots, then its leaf in the account trie. The same rules as <see cref="StateTrie"/>: an
/// account exists when a field is present (even zero) or a slot is non-zero; a zero slot is no entry;
/// a zero code hash is the empty code's.
/// </summary>
internal static class SortedStateTrie
{
    /// <summary>
    /// Builds the tries of <paramref name="records"/> and yields every node they keep by themselves
    /// (each record's bytes are valid until the next one is asked for); <paramref name="root"/> gets the
    /// state root once the last node has been yielded.
    /// </summary>
    public static IEnumerable<TrieNodeRecord> Build(IEnumerable<ReadOnlyMemory<byte>> records, Action<Hash256> root)
    {
        var pending = new List<TrieNodeRecord>();
        void Keep(TrieNodeRecord node) =>
            pending.Add(new TrieNodeRecord(node.Hash, node.Rlp.ToArray(), node.Owner.ToArray(), node.Path.ToArray()));
        var accounts = new SortedTrieBuilder(ReadOnlySpan<byte>.Empty, Keep);
        var account = new byte[32];
        bool open = false, hasFields = false;
        ulong nonce = 0;
        UInt256 balance = default, codeHash = default;
        SortedTrieBuilder? storage = null;
        var slotValue = new byte[33];
        foreach (var memory in records)
        {
            var record = memory.Span;
            if (!open || !HashedStateSorter.AccountHash(record).SequenceEqual(account))
            {
                if (open) CloseAccount();
                HashedStateSorter.AccountHash(record).CopyTo(account);
                open = true;
                hasFields = false;
                nonce = 0;
                balance = codeHash = default;
                storage = null;
            }
            var value = HashedStateSorter.Value(record);
            if (HashedStateSorter.IsSlot(record))
            {
                if (value.IsZero) continue;
                storage ??= new SortedTrieBuilder(account, Keep);
                int length = RlpWriter.Write(slotValue, value);
                storage.Add(HashedStateSorter.SlotHash(record), slotValue.AsSpan(0, length));
            }
            else
            {
                hasFields = true;
                switch (HashedStateSorter.FieldKind(record))
                {
                    case StateKeyKind.Nonce:
                        if (!value.FitsInUInt64) throw new ArgumentException($"a nonce does not fit in 64 bits: {value.ToHexString()} (account hash 0x{Convert.ToHexString(account)})");
                        nonce = value.U0;
                        break;
                    case StateKeyKind.Balance:
                        balance = value;
                        break;
                    case StateKeyKind.CodeHash:
                        codeHash = value;
                        break;
                }
            }
            for (int i = 0; i < pending.Count; i++) yield return pending[i];
            pending.Clear();
        }
        if (open) CloseAccount();
        var stateRoot = accounts.Finish();
        for (int i = 0; i < pending.Count; i++) yield return pending[i];
        pending.Clear();
        root(stateRoot);

        void CloseAccount()
        {
            var storageRoot = storage?.Finish() ?? MerklePatriciaTrie.EmptyRoot;
            if (!hasFields && storage is null) return; // only zero slots: no account
            Span<byte> encoded = stackalloc byte[StateAccount.MaxEncodedLength];
            int length = StateAccount.EncodeLeaf(encoded, nonce, balance, storageRoot, codeHash);
            accounts.Add(account, encoded[..length]);
        }
    }
}
