using ParallelExec.Execution;

namespace ParallelExec.State;

/// <summary>
/// Reads of the block's starting state from inside the engine. Whatever the reader throws (an I/O
/// error, a corrupt record) is a fault of the engine's storage, raised as one exception type on
/// every path, sequential or parallel. A read made for a known transaction names it (in the message
/// and in <see cref="EngineFaultException.TransactionIndex"/>).
/// </summary>
internal static class StartStateReads
{
    public static UInt256 Read(IStateReader state, in StateKey key, int txIndex = -1)
    {
        try
        {
            return state.TryGet(key, out var value) ? value : default;
        }
        catch (Exception e) when (e is not EngineFaultException)
        {
            throw txIndex < 0
                ? new EngineFaultException($"reading {key} from the starting state failed: {e.Message}", e)
                : new EngineFaultException($"transaction {txIndex}: reading {key} from the starting state failed: {e.Message}", e) { TransactionIndex = txIndex };
        }
    }
}
