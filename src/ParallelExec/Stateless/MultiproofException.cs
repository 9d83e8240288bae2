namespace ParallelExec.Stateless;

/// <summary>A witness's nodes do not prove a key: <see cref="FirstKey"/> is the index of the first key affected.</summary>
internal sealed class MultiproofException(int firstKey, string message) : Exception(message)
{
    /// <summary>The index of the first key (in the walk's sorted order) whose proof fails.</summary>
    public int FirstKey { get; } = firstKey;
}
