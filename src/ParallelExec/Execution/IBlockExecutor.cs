using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>Executes a block over a starting state. The state is only read; the caller applies the result.</summary>
public interface IBlockExecutor
{
    string Name { get; }
    int Workers { get; }
    BlockResult Execute(Block block, IStateReader state, ExecutionOptions? options = null);
}
