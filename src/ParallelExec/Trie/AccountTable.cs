using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// The accounts of a <see cref="StateTrie"/> by address: an open-addressing table (linear probing,
/// at most half full) whose slot for an address can be prefetched before it is looked up. A block's
/// changes touch accounts scattered over a table of a million; <see cref="Dictionary{TKey, TValue}"/>
/// waits for a bucket, an entry and the account one after the other for each change, while
/// <see cref="StateTrie.Apply(ReadOnlySpan{StateChange}, int)"/> prefetches a few changes ahead and overlaps those misses.
/// Accounts are never removed (an account emptied by a block stays, out of the account trie);
/// <see cref="StateTrie.Evict(long)"/> replaces the whole table by one holding the accounts it keeps.
/// </summary>
internal sealed class AccountTable
{
    private const int InitialCapacity = 1024;

    /// <summary>An empty slot has tag 0; a used one the address's hash with the low bit set.</summary>
    private struct Slot
    {
        public ulong Tag;
        public StateAccount Account;
    }

    private Slot[] _slots = new Slot[InitialCapacity];
    private int _count;

    public int Count => _count;

    /// <summary>The account at <paramref name="address"/>, or null.</summary>
    public StateAccount? Find(in Address address)
    {
        ulong tag = Tag(address);
        var slots = _slots;
        int mask = slots.Length - 1;
        for (int i = (int)(tag >> 32) & mask; ; i = (i + 1) & mask)
        {
            ref var slot = ref slots[i];
            if (slot.Tag == tag && slot.Account.Address == address) return slot.Account;
            if (slot.Tag == 0) return null;
        }
    }

    /// <summary>Adds an account whose address is not in the table yet.</summary>
    public void Add(StateAccount account)
    {
        if (2 * (_count + 1) > _slots.Length) Grow();
        Insert(_slots, account, Tag(account.Address));
        _count++;
    }

    /// <summary>Starts loading the slot where <paramref name="address"/> is looked for first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void PrefetchSlot(in Address address)
    {
        if (!Sse.IsSupported) return;
        ulong tag = Tag(address);
        var slots = _slots;
        Sse.Prefetch0(Unsafe.AsPointer(ref slots[(int)(tag >> 32) & (slots.Length - 1)]));
    }

    /// <summary>
    /// Starts loading the account in the first slot for <paramref name="address"/> when its tag matches
    /// (read from the slot <see cref="PrefetchSlot"/> loaded a few changes earlier).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchAccount(in Address address)
    {
        if (!Prefetch.IsSupported) return;
        ulong tag = Tag(address);
        var slots = _slots;
        ref var slot = ref slots[(int)(tag >> 32) & (slots.Length - 1)];
        if (slot.Tag == tag) Prefetch.Object(slot.Account);
    }

    /// <summary>Every account, in no particular order.</summary>
    public IEnumerable<StateAccount> Accounts()
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (slots[i].Tag != 0) yield return slots[i].Account;
        }
    }

    /// <summary>
    /// Makes room for <paramref name="accounts"/> accounts at once: one allocation and one pass over
    /// the table instead of a doubling (a large array, so a step towards a full collection) and a
    /// pass over every account each time the table fills while blocks load them.
    /// </summary>
    public void Reserve(int accounts)
    {
        int size = _slots.Length;
        while (size < 1 << 30 && size < 2L * accounts) size *= 2;
        if (size > _slots.Length) Resize(size);
    }

    private void Grow() => Resize(_slots.Length * 2);

    private void Resize(int size)
    {
        var larger = new Slot[size];
        foreach (var slot in _slots)
        {
            if (slot.Tag != 0) Insert(larger, slot.Account, slot.Tag);
        }
        _slots = larger;
    }

    private static void Insert(Slot[] slots, StateAccount account, ulong tag)
    {
        int mask = slots.Length - 1;
        int i = (int)(tag >> 32) & mask;
        while (slots[i].Tag != 0) i = (i + 1) & mask;
        slots[i] = new Slot { Tag = tag, Account = account };
    }

    /// <summary>A 64-bit mix of the address (its high half picks the slot); never 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Tag(in Address address)
    {
        ulong h = address.High * 0x9E3779B97F4A7C15UL ^ address.Middle * 0xC2B2AE3D27D4EB4FUL ^ address.Low * 0x165667B19E3779F9UL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return h | 1;
    }
}
