using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>Orders hashes by their bytes (big-endian): the order a witness lists its nodes and codes in.</summary>
internal sealed class HashOrder : IComparer<Hash256>
{
    public static readonly HashOrder Instance = new();

    public int Compare(Hash256 x, Hash256 y) => x.CompareTo(y);
}
