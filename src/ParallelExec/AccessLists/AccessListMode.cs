namespace ParallelExec.AccessLists;

/// <summary>What the parallel executor does with an access list that is wrong for its block.</summary>
public enum AccessListMode : byte
{
    /// <summary>Ethereum's rule: the block is invalid (<see cref="BlockAccessListException"/>, one line naming the first transaction and key that disagree).</summary>
    Strict,
    /// <summary>The list is dropped and the block runs on the ordinary parallel path (<see cref="Execution.BlockExecutionStats.AccessListProblem"/> says why).</summary>
    Lenient,
}
