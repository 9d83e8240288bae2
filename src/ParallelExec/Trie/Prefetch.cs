using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace ParallelExec.Trie;

/// <summary>
/// Software prefetch of heap objects, for walks that know a few steps ahead which scattered node,
/// account or array they will read: the cache misses then overlap instead of following one another.
/// A no-op where SSE is missing. Reading an object's address this way is safe for a prefetch: at
/// worst the GC has moved the object and a useless line is loaded.
/// </summary>
internal static class Prefetch
{
    /// <summary>Whether prefetches do anything here: callers skip work that only serves them.</summary>
    public static bool IsSupported => Sse.IsSupported;

    /// <summary>Starts loading the cache line at <paramref name="byteOffset"/> into <paramref name="item"/> (0: its header and first fields).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Object(object? item, int byteOffset = 0)
    {
        // The object's address from a byref to its first field (as RuntimeHelpers.GetRawData does),
        // so that no local has its address taken and gets pinned to the stack.
        if (item is not null && IsSupported) Sse.Prefetch0((byte*)Unsafe.AsPointer(ref Unsafe.As<RawData>(item).Data) - sizeof(nint) + byteOffset);
    }

    /// <summary>Starts loading the cache line at <paramref name="byteOffset"/> into element <paramref name="index"/> of <paramref name="array"/> (none past its end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Element<T>(T[] array, int index, int byteOffset = 0)
    {
        if ((uint)index < (uint)array.Length && IsSupported) Sse.Prefetch0((byte*)Unsafe.AsPointer(ref array[index]) + byteOffset);
    }

    private sealed class RawData
    {
        public byte Data = 0; // never written: only its address is taken
    }

    /// <summary>
    /// Starts loading a node's first three cache lines: a <see cref="BranchNode"/>'s inline children
    /// run that far.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Node(TrieNode? node)
    {
        if (node is null) return;
        Object(node);
        BranchTail(node);
    }

    /// <summary>The second and third of <see cref="Node"/>'s lines, for a node whose first is already loading.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BranchTail(TrieNode? node)
    {
        Object(node, 64);
        Object(node, 128);
    }
}
