using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Tests.Execution;

/// <summary>
/// A transaction whose likely keys (<see cref="ITransaction.AppendLikelyKeys"/>) are wrong in one of
/// five ways, or right (<c>way</c> 5 and above): keys nobody touches, keys other transactions touch,
/// thousands, a listing that throws midway, none. Its execution is the wrapped one's: whatever
/// prefetches the engine makes from them may cost loads, never change a result.
/// </summary>
internal sealed class MisnamingTransaction(ITransaction inner, int way, List<StateKey> named, int seed) : ITransaction
{
    public ulong GasLimit => inner.GasLimit;
    public AccessHints? Hints => inner.Hints;
    public ExecutionOutcome Execute(ITransactionContext context) => inner.Execute(context);
    public void OnFailure(ITransactionContext context, ExecutionOutcome failure) => inner.OnFailure(context, failure);

    public void AppendLikelyKeys(List<StateKey> keys)
    {
        switch (way)
        {
            case 0: // keys the block never touches
                for (int i = 0; i < 5; i++) keys.Add(StateKey.Storage(Address.FromNumber((ulong)(seed + i), tag: 0x7e), (ulong)i));
                break;
            case 1: // keys the block touches, for other transactions
                if (named.Count > 0) keys.AddRange(named.Skip(seed % named.Count).Take(6));
                break;
            case 2: // thousands
                for (int i = 0; i < 5000; i++) keys.Add(StateKey.Balance(Address.FromNumber((ulong)i, tag: 0x01)));
                break;
            case 3: // a listing that throws midway
                inner.AppendLikelyKeys(keys);
                throw new InvalidOperationException("naming failed");
            case 4: // none
                break;
            default: // the transaction's own
                inner.AppendLikelyKeys(keys);
                break;
        }
    }
}
