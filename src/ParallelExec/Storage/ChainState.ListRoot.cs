using System.Diagnostics;
using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The state root computed from a block's access list while the block executes: the list names the
/// post-value of every key the block changes, so its post-state can go into the trie and be hashed
/// before execution ends (<see cref="BeginListRoot"/>), then be checked against what the block actually
/// changed (<see cref="FinishListRoot"/>).
/// </summary>
public sealed partial class ChainState
{
    private readonly AccessListPostState _postState = new(); // the list of the block between BeginListRoot and FinishListRoot

    /// <summary>
    /// The decoded access list of a block executed with <paramref name="options"/>, to hash beside its
    /// execution; null without one, or when it cannot be decoded (the executor then deals with it as its
    /// mode says, and the root is computed after execution as usual).
    /// </summary>
    internal static BlockAccessList? ListToHash(ExecutionOptions? options)
    {
        if (options?.AccessList is not { } input) return null;
        try
        {
            return input.Resolve();
        }
        catch (BlockAccessListException)
        {
            return null;
        }
    }

    /// <summary>A list's post-state applied to the trie and hashed, awaiting the block's execution.</summary>
    internal sealed record ListRoot(Block Block, Hash256 Root, TimeSpan ApplyTime, TimeSpan RootTime);

    /// <summary>
    /// Applies <paramref name="list"/>'s post-state (each changed key's last post-value) to the trie and
    /// computes the root, while the block executes elsewhere. The same preconditions as <see cref="Root"/>;
    /// <see cref="FinishListRoot"/> must follow before anything else changes the trie. Until then the
    /// trie counts as holding uncommitted changes: if the block never finishes, it is opened again
    /// before the next one.
    /// </summary>
    internal ListRoot BeginListRoot(Block block, BlockAccessList list, int? rootParallelism = null)
    {
        if (BuildWitnesses)
            throw new InvalidOperationException("a block whose root is hashed from its access list while it executes has no witness: compute the roots after execution while building witnesses");
        int dop = rootParallelism ?? _options.RootParallelism;
        PrepareTrie(block);
        var t1 = Stopwatch.GetTimestamp();
        _postState.Load(list);
        _trieStale = true;
        UpdateTrie(_postState.Changes);
        var t2 = Stopwatch.GetTimestamp();
        // Never a checkpoint's export here: FinishListRoot exports this computation's nodes with its own.
        var root = _trie.ComputeRoot(dop);
        return new ListRoot(block, root, Stopwatch.GetElapsedTime(t1, t2), Stopwatch.GetElapsedTime(t2));
    }

    /// <summary>
    /// Completes a root <see cref="BeginListRoot"/> started, once the block has executed over
    /// <paramref name="before"/> (the state it started from). When the block made every change its list
    /// names, the trie stands; the block's other changes (writes that left a key as it was) are applied
    /// on top, and the root is computed again only if there are any. Otherwise the list's values are
    /// taken back out of the trie — each listed key the block did not change gets its value in
    /// <paramref name="before"/> again, and an account the list gave fields it never had loses them —
    /// and the block's own changes are applied: the trie is then exactly what <see cref="Root"/> would
    /// have made. At a checkpoint the nodes of both computations are exported. Then as <see cref="Root"/>.
    /// </summary>
    internal RootedBlock FinishListRoot(ListRoot started, ExecutedBlock executed, IStateReader before, in Hash256 blockHash,
        Func<Hash256, bool>? accept, int? rootParallelism = null)
    {
        if (!ReferenceEquals(started.Block, executed.Block))
            throw new InvalidOperationException($"block {executed.Block.Header.Number} is not the block whose list root was started");
        int dop = rootParallelism ?? _options.RootParallelism;
        var changes = executed.Result.ChangeSpan;
        var t1 = Stopwatch.GetTimestamp();
        bool used = _postState.Compare(changes);
        bool changed;
        if (used)
        {
            changed = _postState.Unlisted.Length > 0;
            if (changed) UpdateTrie(_postState.Unlisted);
        }
        else
        {
            TakeBackListedValues(before, changes);
            UpdateTrie(changes);
            changed = true;
        }
        var t2 = Stopwatch.GetTimestamp();
        var nodes = NextNodeSet(executed.Block);
        var root = nodes is not null ? _trie.ComputeRootForCheckpoint(dop, nodes, _options.RootParallelism) : changed ? _trie.ComputeRoot(dop) : started.Root;
        var t3 = Stopwatch.GetTimestamp();
        return Seal(executed, blockHash, accept, root, nodes, started.ApplyTime + Stopwatch.GetElapsedTime(t1, t2),
            started.RootTime + Stopwatch.GetElapsedTime(t2, t3), used ? ListRootOutcome.Used : ListRootOutcome.Discarded);
    }

    // The listed keys the block did not change go back to their values before the block (absent: zero,
    // which deletes a slot); an account whose fields only the list set, absent before, loses them again.
    // The block's own changes, applied next, restore whatever else the list set.
    private void TakeBackListedValues(IStateReader before, ReadOnlySpan<StateChange> changes)
    {
        var unmatched = _postState.Unmatched();
        if (unmatched.Count > 0) SetToValues(_trie, before, unmatched, changes);
    }
}
