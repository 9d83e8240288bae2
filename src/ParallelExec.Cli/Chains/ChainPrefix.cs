using ParallelExec.Blocks;
using ParallelExec.State;

namespace ParallelExec.Cli.Chains;

/// <summary>Reading a chain file up to one block: the block, the state before it, and the block's bytes in the file.</summary>
internal static class ChainPrefix
{
    /// <summary>Block <paramref name="number"/> of the file and the size of its record; null when the file has no such block.</summary>
    public static (ChainBlock Block, long RecordBytes)? Find(ChainReader reader, long number, Action<ChainBlock>? before = null)
    {
        while (true)
        {
            long offset = reader.Offset;
            var next = reader.ReadNext();
            if (next is null) return null;
            if (next.Number == number) return (next, reader.Offset - offset);
            before?.Invoke(next);
        }
    }

    /// <summary>
    /// The genesis state of a chain file that embeds one, the reader's own (the caller may advance it:
    /// no second copy of a large state); a chain from a parent root is an error (it needs a database).
    /// </summary>
    public static InMemoryState Genesis(ChainReader reader, string path) =>
        reader.Start.Kind == ChainStartKind.Genesis
            ? reader.Start.Genesis!
            : throw new NotSupportedException($"{path}: the chain starts from parent state root {reader.Start.ParentRoot}; executing it needs that state from a database, which this command does not read");
}
