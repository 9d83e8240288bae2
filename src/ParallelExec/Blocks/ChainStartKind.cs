namespace ParallelExec.Blocks;

/// <summary>Where the chain's first block starts from.</summary>
public enum ChainStartKind : byte
{
    /// <summary>The file embeds the whole starting state (a genesis) as (key, value) entries.</summary>
    Genesis = 0,
    /// <summary>The file names the state root of a parent state kept elsewhere (a database).</summary>
    ParentRoot = 1,
}
