using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// What an access list says about one key, as the view keeps it: the key itself, its value in the
/// block's starting state and where its changes lie. One struct per key, so that a lookup (which
/// compares the name) and the read that follows (starting value, change range) touch the same few
/// cache lines instead of one array per field.
/// </summary>
internal struct ListedKey
{
    /// <summary>The key.</summary>
    public StateKey Name;
    /// <summary>Value in the block's starting state, once <see cref="BaseRead"/>.</summary>
    public UInt256 Base;
    /// <summary>
    /// Whether <see cref="Base"/> has been read: at once for a key the list changes or reads, when a
    /// transaction first needs it for an account field the list leaves unchanged (see AccessListView).
    /// </summary>
    public bool BaseRead;
    /// <summary>The key's changes: the view's change arrays [Start, Start + Count), ascending by index.</summary>
    public int Start, Count;
}
