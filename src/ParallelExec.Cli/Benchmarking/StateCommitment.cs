using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>The commitment reported as "stateRoot" for a benchmark's final state: its Ethereum state root.</summary>
internal static class StateCommitment
{
    public static string Root(InMemoryState state) =>
        StateTrie.FromState(state.Entries, Environment.ProcessorCount).ComputeRoot(Environment.ProcessorCount).ToString();
}
