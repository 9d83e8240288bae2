using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>The commitment reported as "stateRoot" for a benchmark's final state.</summary>
internal static class StateCommitment
{
    /// <summary>Keccak-256 over the sorted (key, value) entries of the state.</summary>
    public static string Root(InMemoryState state)
    {
        var entries = state.Entries.OrderBy(e => e.Key).ToArray();
        var buffer = new byte[entries.Length * (Address.Size + 1 + 64)];
        int o = 0;
        foreach (var (key, value) in entries)
        {
            key.Address.WriteTo(buffer.AsSpan(o)); o += Address.Size;
            buffer[o++] = (byte)key.Kind;
            key.Slot.WriteBigEndian(buffer.AsSpan(o)); o += 32;
            value.WriteBigEndian(buffer.AsSpan(o)); o += 32;
        }
        return Keccak256.Compute(buffer.AsSpan(0, o)).ToString();
    }
}
