using ParallelExec.Batches;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Stateless;

/// <summary>A compressed batch's transition verified from one witness per block, in parallel, and each kind of wrong claim rejected with its block.</summary>
public sealed class BatchVerificationTests : IDisposable
{
    private readonly ParallelExecutor _parallel = new(8, oversubscribe: true);

    public void Dispose() => _parallel.Dispose();

    [Theory]
    [InlineData(WorkloadKind.Mixed)]
    [InlineData(WorkloadKind.Token)]
    public void A_batch_decoded_from_its_compressed_form_verifies_from_its_witnesses_alone(WorkloadKind kind)
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = kind, Accounts = 300, TransactionsPerBlock = 200, Blocks = 4, Seed = 9, Pools = 2 });
        var state = workload.Genesis.Clone();
        var witnesses = new List<ExecutionWitness>();
        var recorded = new List<ChainBlock>();
        Hash256 genesisRoot = default;
        foreach (var block in workload.Blocks)
        {
            var (witness, result, preRoot, postRoot) = WitnessFixtures.Witness(state, block, new SequentialExecutor());
            if (witnesses.Count == 0) genesisRoot = preRoot;
            witnesses.Add(witness);
            recorded.Add(new ChainBlock(block, postRoot));
            state.Apply(result.Changes);
        }
        var directory = AccountDirectory.FromState(workload.Genesis);
        var encoded = BatchEncoder.Encode(recorded, new BatchEncoderOptions { Directory = directory, StartsAtGenesis = true, PreviousRoot = genesisRoot });
        var batch = BatchDecoder.Decode(encoded.Bytes, directory);
        var newRoot = recorded[^1].ExpectedRoot;
        var verifier = new StatelessVerifier(_parallel, speculation: SpeculationMode.SpeculateFirst);

        var proven = verifier.VerifyBatch(genesisRoot, batch.Blocks, witnesses, newRoot);
        Assert.True(proven.IsProven, $"{kind}: {proven.Message}");
        Assert.Equal(newRoot, proven.ComputedPostRoot);

        // A false new root: the last block is named.
        var forged = verifier.VerifyBatch(genesisRoot, batch.Blocks, witnesses, new Hash256(Enumerable.Repeat((byte)7, 32).ToArray()));
        Assert.Equal(VerificationOutcome.PostRootMismatch, forged.Outcome);
        Assert.StartsWith("block 4: ", forged.Message);

        // Witnesses out of order: the root they imply after block 1 is not the one block 1 records.
        var swapped = new List<ExecutionWitness>(witnesses);
        (swapped[1], swapped[2]) = (swapped[2], swapped[1]);
        var misordered = verifier.VerifyBatch(genesisRoot, batch.Blocks, swapped, newRoot);
        Assert.Equal(VerificationOutcome.PostRootMismatch, misordered.Outcome);
        Assert.StartsWith("block 1: it records root ", misordered.Message);
        // Without recorded roots the same swap fails too: block 1 cannot reach the root block 3's witness starts from.
        var bare = batch.Blocks.Select(b => new ChainBlock(b.Block)).ToList();
        Assert.True(verifier.VerifyBatch(genesisRoot, bare, witnesses, newRoot).IsProven, $"{kind}: the unrecorded batch");
        var bareSwapped = verifier.VerifyBatch(genesisRoot, bare, swapped, newRoot);
        Assert.False(bareSwapped.IsProven);
        Assert.StartsWith("block ", bareSwapped.Message);
        // One witness missing: rejected before anything executes.
        Assert.Equal(VerificationOutcome.MalformedWitness, verifier.VerifyBatch(genesisRoot, batch.Blocks, witnesses.Take(3).ToList(), newRoot).Outcome);

        // Another previous root: the first block's witness does not start there.
        var otherStart = verifier.VerifyBatch(newRoot, batch.Blocks, witnesses, newRoot);
        Assert.Equal(VerificationOutcome.MalformedWitness, otherStart.Outcome);
        Assert.StartsWith("block 1: ", otherStart.Message);
    }
}
