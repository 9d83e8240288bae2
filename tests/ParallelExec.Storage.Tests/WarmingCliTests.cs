using System.Text.Json;
using ParallelExec.Testing;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// `replay --db` reports how it warmed the trie: the whole account trie under a roomy budget; only its
/// branches and extensions when the whole is over a quarter of `--cache-mb` but those fit in half
/// (a 3,000-account chain's trie, ~0.5 MB stored, under `--cache-mb 1`), the blocks then building
/// their leaves from their reads; both reach the same root, and the text report says which.
/// </summary>
public class WarmingCliTests
{
    [Fact]
    public void Replay_reports_a_whole_or_an_inner_node_warming()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var gen = CliProcess.Run(CliProcess.Built(), ["gen", "--workload", "p2p", "--accounts", "3000", "--txs", "30", "--blocks", "2", "--seed", "5", "-o", chain]);
        Assert.True(gen.Code == 0, gen.Err);

        var whole = Replay(chain, dir.Sub("whole"), "64");
        var inner = Replay(chain, dir.Sub("inner"), "1");
        Assert.False(whole.GetProperty("warmedInnerNodesOnly").GetBoolean());
        Assert.True(inner.GetProperty("warmedInnerNodesOnly").GetBoolean());
        long wholeNodes = whole.GetProperty("warmedTrieNodes").GetInt64(), innerNodes = inner.GetProperty("warmedTrieNodes").GetInt64();
        // A trie of 3,000 hashed keys holds about a third as many inner nodes as leaves.
        Assert.True(innerNodes > 100 && innerNodes * 2 < wholeNodes, $"{innerNodes} inner nodes warmed, {wholeNodes} with the leaves");
        Assert.Equal(0, whole.GetProperty("builtTrieLeaves").GetInt64());
        Assert.True(inner.GetProperty("builtTrieLeaves").GetInt64() > 0, "no leaf built from the blocks' reads after an inner-node warming");
        Assert.Equal(whole.GetProperty("finalRoot").GetString(), inner.GetProperty("finalRoot").GetString());

        var text = CliProcess.Run(CliProcess.Built(), ["replay", chain, "--db", dir.Sub("text"), "--cache-mb", "1"]);
        Assert.True(text.Code == 0, text.Err);
        Assert.Contains("its branches and extensions", string.Join(' ', text.Out.Split('\n', StringSplitOptions.TrimEntries)));
    }

    private static JsonElement Replay(string chain, string db, string cacheMb)
    {
        var run = CliProcess.Run(CliProcess.Built(), ["replay", chain, "--db", db, "--cache-mb", cacheMb, "--json"]);
        Assert.True(run.Code == 0, run.Err);
        return JsonDocument.Parse(run.Out).RootElement;
    }
}
