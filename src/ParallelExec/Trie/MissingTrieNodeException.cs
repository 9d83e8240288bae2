using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// A walk needed a trie node its <see cref="ITrieNodeSource"/> does not have (or returned bytes that
/// do not hash to the node's hash). The message names the trie, the path and the hash.
/// </summary>
public sealed class MissingTrieNodeException(string message) : IOException(message)
{
    internal static MissingTrieNodeException For(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, string what) =>
        new($"trie node {hash} at {Where(owner, path)} {what}");

    /// <summary>"path 'a3f' of the account trie" (or of the storage trie of a hashed address).</summary>
    internal static string Where(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path)
    {
        var trie = owner.IsEmpty ? "the account trie" : $"the storage trie of 0x{Convert.ToHexStringLower(owner)}";
        var nibbles = new char[path.Length];
        for (int i = 0; i < path.Length; i++) nibbles[i] = "0123456789abcdef"[path[i]];
        return $"path '{new string(nibbles)}' of {trie}";
    }
}
