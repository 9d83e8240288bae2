namespace ParallelExec.Storage;

/// <summary>Argument and state checks every <see cref="IStateStore"/> makes the same way.</summary>
public static class StateStoreChecks
{
    /// <summary>Throws unless the store is open, initialised and <paramref name="block"/> follows its head.</summary>
    public static void CheckCommit(IStateStore store, bool initialized, bool disposed, in StoredBlock block)
    {
        ObjectDisposedException.ThrowIf(disposed, store);
        if (!initialized) throw new InvalidOperationException("the state store has no genesis state yet (Initialize it first)");
        if (block.Number != store.Head.Number + 1)
            throw new InvalidOperationException($"cannot commit block {block.Number}: the store is at block {store.Head.Number}, the next block is {store.Head.Number + 1}");
    }

    /// <summary>Throws unless the store is open, initialised and can revert <paramref name="blocks"/> blocks.</summary>
    public static void CheckRevert(IStateStore store, bool initialized, bool disposed, int blocks)
    {
        ObjectDisposedException.ThrowIf(disposed, store);
        if (!initialized) throw new InvalidOperationException("the state store has no genesis state yet");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        int available = store.RevertibleBlocks;
        if (blocks > available)
            throw new StateStoreException(StateStoreError.Mismatch,
                $"state database {store.Location}: cannot revert {blocks} blocks from block {store.Head.Number}: only {available} blocks have an undo journal" + (store.JournalRetention < int.MaxValue ? $" (retention {store.JournalRetention})" : ""));
    }
}
