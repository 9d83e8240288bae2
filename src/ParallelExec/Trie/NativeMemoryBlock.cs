using System.Buffers;
using System.Runtime.InteropServices;

namespace ParallelExec.Trie;

/// <summary>
/// A block of native memory owned by one managed object, freed by <see cref="IDisposable.Dispose"/>
/// (or, for one never disposed, by the finalizer), and readable as <see cref="Memory{T}"/>. Large
/// blocks (32 MiB or more) are mapped by the C library on their own and go back to the system the
/// moment they are freed, where memory the collector or an allocator arena once held stays resident:
/// what a <see cref="TrieNodeSet"/> needs for a checkpoint's nodes, hundreds of megabytes held for a
/// second or two. Not thread-safe; slices handed out are invalid once the block is freed or resized.
/// </summary>
internal sealed unsafe class NativeMemoryBlock : MemoryManager<byte>
{
    private byte* _pointer;

    /// <summary>A block of <paramref name="length"/> bytes, not cleared.</summary>
    public NativeMemoryBlock(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        _pointer = (byte*)NativeMemory.Alloc((nuint)length);
        Length = length;
    }

    // CA2015: a span of the block does not keep it alive, so a block that became unreachable while
    // its span was in use would be freed under it. Blocks belong to a TrieNodeSet, which frees them
    // itself (Clear, Dispose) and whose spans are used while the set is: the finalizer only frees a
    // set's memory once the set itself is gone without being disposed.
#pragma warning disable CA2015
    ~NativeMemoryBlock() => Dispose(false);
#pragma warning restore CA2015

    /// <summary>Bytes held.</summary>
    public int Length { get; private set; }

    /// <summary>The block's first byte (valid until it is freed or resized).</summary>
    public byte* Pointer => _pointer;

    /// <summary>Makes the block <paramref name="length"/> bytes long, keeping what fits; slices taken before are invalid.</summary>
    public void Resize(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        _pointer = (byte*)NativeMemory.Realloc(_pointer, (nuint)length);
        Length = length;
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new Span<byte>(_pointer, Length);
    }

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)Length, nameof(elementIndex));
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new MemoryHandle(_pointer + elementIndex);
    }

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_pointer is null) return;
        NativeMemory.Free(_pointer);
        _pointer = null;
        Length = 0;
    }
}
