using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Tests.Execution;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Stateless;

/// <summary>Shared pieces of the witness tests: random start states, and a block's witness built from its full pre-state.</summary>
internal static class WitnessFixtures
{
    public static readonly int[] KeySpaces = [2, 3, 8, 32, 256, 1024];

    /// <summary>A random start state over the scripted transactions' key space (some values near 2^256, so credits overflow).</summary>
    public static InMemoryState RandomStartState(Random random, int keySpace)
    {
        var state = new InMemoryState();
        for (int k = 0; k < keySpace + 2; k++)
        {
            if (random.Next(3) == 0) continue;
            var value = random.Next(20) == 0 ? UInt256.MaxValue - new UInt256((ulong)random.Next(5)) : new UInt256((ulong)random.Next(1, 1000));
            state.Set(ScriptedTransaction.KeyAt(k), value);
        }
        return state;
    }

    /// <summary>Executes <paramref name="block"/> over <paramref name="pre"/> and builds its witness from the full pre-state trie.</summary>
    public static (ExecutionWitness Witness, BlockResult Result, Hash256 PreRoot, Hash256 PostRoot) Witness(
        InMemoryState pre, Block block, IBlockExecutor executor, ExecutionOptions? options = null)
    {
        var trie = StateTrie.FromState(pre.Entries);
        var result = executor.Execute(block, pre, options);
        var witness = WitnessBuilder.Build(trie, block.Header.Number, result);
        var preRoot = trie.Root;
        trie.Apply(result.Changes);
        return (witness, result, preRoot, trie.ComputeRoot());
    }

    /// <summary>The same witness with some parts replaced.</summary>
    public static ExecutionWitness With(ExecutionWitness w, WitnessEntry[]? entries = null, byte[][]? nodes = null, Hash256[]? codes = null) =>
        new(w.BlockNumber, w.PreStateRoot, entries ?? [.. w.Entries], nodes ?? [.. w.Nodes], codes ?? [.. w.Codes]);
}
