using System.Text.Json;
using System.Text.Json.Nodes;
using ParallelExec.AccessLists;
using ParallelExec.Testing;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.AccessLists;

/// <summary>
/// Recorded access lists checked against an implementation no one here wrote: @ethereumjs/util's
/// EIP-7928 support (tests/bal-reference). Its hash of our JSON and of our RLP, its re-encoding of our
/// RLP, and our parse of its JSON must all agree with ours.
/// </summary>
public sealed class AccessListReferenceTests
{
    private static readonly NodeScript Script = new("bal-reference", "bal-reference.mjs", Path.Combine("@ethereumjs", "util"));

    [Fact]
    public void Recorded_lists_encode_and_hash_as_ethereumjs_does()
    {
        var lists = new List<(string Label, BlockAccessList List)> { ("empty", BlockAccessList.Empty) };
        foreach (int seed in AccessListSamples.Seeds(40, 77_000))
            lists.Add(($"scripted seed {seed}", AccessListSamples.Record(AccessListSamples.Scripted(seed).Block, AccessListSamples.Scripted(seed).State)));
        foreach (var kind in Enum.GetValues<WorkloadKind>())
            foreach (var (block, state) in AccessListSamples.Workload(kind, seed: 3, txs: 150))
                lists.Add(($"{kind} block {block.Header.Number}", AccessListSamples.Record(block, state)));

        var input = new JsonArray(lists.Select(l => (JsonNode)new JsonObject
        {
            ["json"] = JsonNode.Parse(l.List.ToJson()),
            ["rlp"] = "0x" + Convert.ToHexStringLower(l.List.Encode()),
        }).ToArray());
        var output = JsonNode.Parse(Script.Run(input.ToJsonString()))!.AsArray();
        Assert.Equal(lists.Count, output.Count);
        for (int i = 0; i < lists.Count; i++)
        {
            var (label, list) = lists[i];
            var reference = output[i]!;
            string hash = list.ComputeHash().ToString(), rlp = "0x" + Convert.ToHexStringLower(list.Encode());
            Assert.True(hash == (string)reference["jsonHash"]!, $"{label}: JSON hash {reference["jsonHash"]} vs ours {hash}");
            Assert.True(rlp == (string)reference["jsonRlp"]!, $"{label}: ethereumjs encodes our JSON differently");
            Assert.True(hash == (string)reference["rlpHash"]!, $"{label}: RLP hash {reference["rlpHash"]} vs ours {hash}");
            Assert.True(rlp == (string)reference["rlpRoundTrip"]!, $"{label}: ethereumjs re-encodes our RLP differently");
            var theirs = BlockAccessList.FromJson(reference["rlpJson"]!.ToJsonString());
            Assert.True(hash == theirs.ComputeHash().ToString(), $"{label}: our parse of ethereumjs's JSON hashes differently");
            Assert.Equal(list.Encode(), BlockAccessList.Decode(list.Encode()).Encode());
        }
        Assert.Equal("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347", (string)output[0]!["rlpHash"]!);
        Assert.True(lists.Count(l => l.List.ChangeCount > 0) > 40, "too few recorded lists have changes");
    }
}
