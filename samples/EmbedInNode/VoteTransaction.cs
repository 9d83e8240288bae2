using ParallelExec.Execution;
using ParallelExec.State;

namespace EmbedInNode;

/// <summary>
/// A node's own transaction kind: a voter votes once for a proposal. Reads and writes the voter's
/// "has voted" slot, and credits the proposal's tally with a commutative Add, so votes for the
/// same proposal do not depend on each other and run in parallel.
/// </summary>
public sealed class VoteTransaction(Address ballot, Address voter, int proposal) : ITransaction
{
    /// <summary>The slot that says whether <paramref name="voter"/> has voted (storage of the ballot account).</summary>
    public static StateKey HasVoted(Address ballot, Address voter) => StateKey.Storage(ballot, voter.ToUInt256());

    /// <summary>The slot holding the number of votes for <paramref name="proposal"/>.</summary>
    public static StateKey Tally(Address ballot, int proposal) => StateKey.Storage(ballot, new UInt256(0, 0, 0, 1UL + (ulong)proposal));

    /// <inheritdoc/>
    public ulong GasLimit => 50_000;

    /// <inheritdoc/>
    public AccessHints? Hints { get; } = new([HasVoted(ballot, voter)], [HasVoted(ballot, voter), Tally(ballot, proposal)]);

    /// <inheritdoc/>
    public void AppendLikelyKeys(List<StateKey> keys)
    {
        keys.Add(HasVoted(ballot, voter));
        keys.Add(Tally(ballot, proposal));
    }

    /// <inheritdoc/>
    public ExecutionOutcome Execute(ITransactionContext context)
    {
        context.UseGas(30_000);
        var voted = HasVoted(ballot, voter);
        if (!context.Read(voted).IsZero) return ExecutionOutcome.Fail(FailureReason.Reverted, "already voted");
        context.Write(voted, UInt256.One);
        context.Add(Tally(ballot, proposal), UInt256.One);
        return ExecutionOutcome.Success;
    }
}
