using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>Executes a block over a starting state. The state is only read; the caller applies the result.</summary>
public interface IBlockExecutor
{
    /// <summary>A short name for reports (sequential or parallel).</summary>
    string Name { get; }
    /// <summary>Worker threads it executes with.</summary>
    int Workers { get; }
    /// <summary>Executes <paramref name="block"/> over <paramref name="state"/> (the state before it, only read) and returns exactly what sequential execution in block order returns.</summary>
    BlockResult Execute(Block block, IStateReader state, ExecutionOptions? options = null);
}
