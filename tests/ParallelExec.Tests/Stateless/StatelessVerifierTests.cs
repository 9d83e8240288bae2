using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Tests.Execution;
using ParallelExec.Tests.Scheduling;
using ParallelExec.Workloads;
using Xunit.Abstractions;

namespace ParallelExec.Tests.Stateless;

/// <summary>
/// Honest witnesses verify (sequentially and in parallel on many workers, speculation forced); each
/// kind of dishonesty is rejected with its reason. The post-state root is computed from the witness
/// alone (<see cref="WitnessPostStateRoot"/>) and must equal the root of the full state.
/// </summary>
public sealed class StatelessVerifierTests(ITestOutputHelper output) : IDisposable
{
    private readonly SequentialExecutor _sequential = new();
    private readonly ParallelExecutor _parallel = new(16, oversubscribe: true);

    public void Dispose() => _parallel.Dispose();

    private StatelessVerifier[] Verifiers(InMemoryState pre) =>
    [
        new(new SequentialExecutor(), new WitnessPostStateRoot()),
        new(_parallel, new WitnessPostStateRoot(), SpeculationMode.SpeculateFirst),
    ];

    [Theory]
    [InlineData(WorkloadKind.P2p)]
    [InlineData(WorkloadKind.Token)]
    [InlineData(WorkloadKind.Amm)]
    [InlineData(WorkloadKind.Hot)]
    [InlineData(WorkloadKind.Mixed)]
    public void Honest_witnesses_of_every_builtin_workload_verify_on_every_block(WorkloadKind kind)
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = kind, Accounts = 200, TransactionsPerBlock = 300, Blocks = 3, Seed = 7 });
        var state = workload.Genesis.Clone();
        foreach (var block in workload.Blocks)
        {
            var (witness, result, preRoot, postRoot) = WitnessFixtures.Witness(state, block, _sequential);
            var decoded = WitnessCodec.Decode(WitnessCodec.Encode(witness));
            foreach (var verifier in Verifiers(state))
            {
                var verdict = verifier.Verify(preRoot, block, decoded, postRoot);
                Assert.True(verdict.IsProven, $"{kind} block {block.Header.Number}: {verdict.Message}");
                Assert.Equal(postRoot, verdict.ComputedPostRoot);
            }
            state.Apply(result.Changes);
        }
    }

    [Fact]
    public void Random_contended_blocks_verify_in_parallel_although_torn_views_read_outside_the_witness()
    {
        long speculativeFaults = 0, transactions = 0;
        foreach (int seed in WitnessCaptureTests.Seeds(80, 41_000))
        {
            var random = new Random(seed);
            int keySpace = WitnessFixtures.KeySpaces[random.Next(WitnessFixtures.KeySpaces.Length)];
            var block = ScriptedTransaction.RandomBlock(random, random.Next(20, 200), keySpace, withHints: random.Next(2) == 0);
            var state = WitnessFixtures.RandomStartState(random, keySpace);
            var (witness, _, preRoot, postRoot) = WitnessFixtures.Witness(state, block, _sequential);
            foreach (var (verifier, name) in Verifiers(state).Zip(["sequential", "parallel"]))
            {
                var verdict = verifier.Verify(preRoot, block, witness, postRoot);
                Assert.True(verdict.IsProven, $"seed {seed} (keys {keySpace}), {name}: {verdict.Message}");
                speculativeFaults += verdict.Stats!.SpeculativeFaults;
                transactions += verdict.Stats.Transactions;
            }
        }
        // Reported, not asserted (timing decides); the next test makes torn views happen on purpose.
        output.WriteLine($"{transactions} txs verified; {speculativeFaults} speculative runs faulted (a torn view read outside the witness) and were re-run in order");
    }

    [Fact]
    public void A_speculative_run_reading_outside_the_witness_on_a_torn_view_does_not_fail_the_block()
    {
        // Groups whose reader, speculating beside a slow writer, sees a torn view and then reads a key
        // that the block's committed executions never read: a key the witness does not hold.
        var block = TornViewTests.TornGroups(4, TornViewTests.TornReaction.ReadsFailingKey);
        var state = new InMemoryState();
        state.Set(StateKey.Balance(Address.FromNumber(5, tag: 0x11)), 7);
        var (witness, _, preRoot, postRoot) = WitnessFixtures.Witness(state, block, _sequential);
        Assert.DoesNotContain(witness.Entries, e => e.Key == TornViewTests.Poison);
        var parallel = new[] { 2, 4, 16 }.Select(w => new ParallelExecutor(w, oversubscribe: true)).ToArray();
        try
        {
            long faults = 0, runs = 0;
            for (int round = 0; round < 8 || (faults == 0 && round < 300); round++)
            {
                foreach (var executor in parallel)
                {
                    var verdict = new StatelessVerifier(executor, new WitnessPostStateRoot(), SpeculationMode.SpeculateFirst).Verify(preRoot, block, witness, postRoot);
                    Assert.True(verdict.IsProven, $"{executor.Workers} workers, round {round}: {verdict.Message}");
                    faults += verdict.Stats!.SpeculativeFaults;
                    runs++;
                }
            }
            output.WriteLine($"{faults} speculative runs read outside the witness in {runs} verifications, all proven");
            Assert.True(faults > 0, $"no speculative run met the torn view in {runs} verifications: the test exercised nothing");
        }
        finally
        {
            foreach (var executor in parallel) executor.Dispose();
        }
    }

    [Fact]
    public void Verification_and_normal_execution_give_the_same_root_on_every_block_of_a_chain()
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = WorkloadKind.Mixed, Accounts = 300, TransactionsPerBlock = 200, Blocks = 6, Seed = 11 });
        var state = workload.Genesis.Clone();
        foreach (var block in workload.Blocks)
        {
            var (witness, result, preRoot, postRoot) = WitnessFixtures.Witness(state, block, _parallel);
            var verdict = new StatelessVerifier(_parallel, new WitnessPostStateRoot()).Verify(preRoot, block, witness, postRoot);
            Assert.True(verdict.IsProven, $"block {block.Header.Number}: {verdict.Message}");
            Assert.Equal(postRoot, verdict.ComputedPostRoot);
            state.Apply(result.Changes);
        }
    }

    private (InMemoryState State, Block Block, ExecutionWitness Witness, Hash256 PreRoot, Hash256 PostRoot, Hash256[] Digests) Honest(int seed = 5)
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = WorkloadKind.Token, Accounts = 100, TransactionsPerBlock = 200, Blocks = 2, Seed = (ulong)seed });
        var state = workload.Genesis.Clone();
        state.Apply(_sequential.Execute(workload.Blocks[0], state).Changes);
        var block = workload.Blocks[1];
        var (witness, result, preRoot, postRoot) = WitnessFixtures.Witness(state, block, _sequential, new ExecutionOptions { RecordTransactionDigests = true });
        return (state, block, witness, preRoot, postRoot, result.TransactionDigests!);
    }

    [Theory]
    [InlineData("balance")]
    [InlineData("storage value")]
    [InlineData("present slot said absent")]
    [InlineData("absent key said present")]
    public void A_tampered_value_is_rejected_naming_its_key(string tampering)
    {
        var (state, block, witness, preRoot, postRoot, _) = Honest();
        var entries = witness.Entries.ToArray();
        int i = tampering switch
        {
            "balance" => Array.FindIndex(entries, e => e.Key.Kind == StateKeyKind.Balance && e.Present),
            "absent key said present" => entries.Length, // a key the pre-state lacks, added below
            _ => Array.FindIndex(entries, e => e.Key.Kind == StateKeyKind.Storage && e.Present),
        };
        if (i == entries.Length)
        {
            var absent = StateKey.Balance(Address.FromNumber(424_242, tag: 0x55));
            Assert.False(state.TryGet(absent, out _));
            entries = [.. entries.Append(new WitnessEntry(absent, false, UInt256.Zero)).OrderBy(e => e.Key)];
            i = Array.FindIndex(entries, e => e.Key == absent);
        }
        Assert.True(i >= 0, $"the honest witness has no entry to tamper for '{tampering}'");
        entries[i] = tampering switch
        {
            "present slot said absent" => entries[i] with { Present = false, Value = UInt256.Zero },
            "absent key said present" => entries[i] with { Present = true, Value = 1 },
            _ => entries[i] with { Value = entries[i].Value + 1 },
        };
        foreach (var verifier in Verifiers(state))
        {
            var verdict = verifier.Verify(preRoot, block, WitnessFixtures.With(witness, entries: entries), postRoot);
            Assert.Equal(VerificationOutcome.PreStateNotProven, verdict.Outcome);
            Assert.Equal(entries[i].Key, verdict.Key);
            Assert.StartsWith($"{entries[i].Key}: the witness says ", verdict.Message);
        }
    }

    [Fact]
    public void A_tampered_code_hash_list_is_rejected()
    {
        var (state, block, witness, preRoot, postRoot, _) = Honest();
        var verdict = Verifiers(state)[1].Verify(preRoot, block, WitnessFixtures.With(witness, codes: [Keccak256.Compute("code"u8)]), postRoot);
        Assert.Equal(VerificationOutcome.PreStateNotProven, verdict.Outcome);
        Assert.Contains("is listed but no proven account has it", verdict.Message);
    }

    [Fact]
    public void A_missing_node_is_rejected_naming_the_node()
    {
        var (state, block, witness, preRoot, postRoot, _) = Honest();
        for (int drop = 0; drop < witness.Nodes.Count; drop += Math.Max(1, witness.Nodes.Count / 7))
        {
            var nodes = witness.Nodes.Where((_, i) => i != drop).ToArray();
            var verdict = Verifiers(state)[1].Verify(preRoot, block, WitnessFixtures.With(witness, nodes: nodes), postRoot);
            Assert.Equal(VerificationOutcome.PreStateNotProven, verdict.Outcome);
            Assert.True(verdict.Message.Contains($"trie node {Keccak256.Compute(witness.Nodes[drop])}"), verdict.Message);
            Assert.Contains("is not in the witness", verdict.Message);
        }
    }

    [Fact]
    public void A_node_from_another_block_is_rejected()
    {
        // Block 2's witness with one of its nodes swapped for a node of block 3's (another pre-state).
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = WorkloadKind.P2p, Accounts = 150, TransactionsPerBlock = 150, Blocks = 3, Seed = 3 });
        var state = workload.Genesis.Clone();
        state.Apply(_sequential.Execute(workload.Blocks[0], state).Changes);
        var (witness, result, preRoot, postRoot) = WitnessFixtures.Witness(state, workload.Blocks[1], _sequential);
        var after = state.Clone();
        after.Apply(result.Changes);
        var (later, _, _, _) = WitnessFixtures.Witness(after, workload.Blocks[2], _sequential);
        var ours = witness.Nodes.Select(n => Convert.ToHexString(n)).ToHashSet();
        var foreign = later.Nodes.First(n => !ours.Contains(Convert.ToHexString(n)));
        var nodes = witness.Nodes.ToArray();
        nodes[0] = foreign; // the root node, by hash order or not, something is now unprovable
        var verdict = Verifiers(state)[1].Verify(preRoot, workload.Blocks[1], WitnessFixtures.With(witness, nodes: nodes), postRoot);
        Assert.Equal(VerificationOutcome.PreStateNotProven, verdict.Outcome);
        Assert.Contains($"trie node {Keccak256.Compute(witness.Nodes[0])}", verdict.Message);
        // And the whole witness of another block against this one's pre-state root.
        var wrong = Verifiers(state)[1].Verify(preRoot, workload.Blocks[1], later, postRoot);
        Assert.Equal(VerificationOutcome.MalformedWitness, wrong.Outcome);
    }

    [Fact]
    public void A_tampered_transaction_reading_outside_the_witness_is_rejected_naming_transaction_and_key()
    {
        var (state, block, witness, preRoot, postRoot, _) = Honest();
        var outside = StateKey.Balance(Address.FromNumber(987_654, tag: 0x77));
        var txs = block.Transactions.ToArray();
        int tampered = txs.Length / 2;
        txs[tampered] = new ScriptedTransaction([new ScriptedTransaction.Op(ScriptedTransaction.Kind.Read, outside, 0)], 1000, null);
        var changed = new Block(block.Header, txs);
        foreach (var verifier in Verifiers(state))
        {
            var verdict = verifier.Verify(preRoot, changed, witness, postRoot);
            Assert.Equal(VerificationOutcome.KeyOutsideWitness, verdict.Outcome);
            Assert.Equal(tampered, verdict.Transaction);
            Assert.Equal(outside, verdict.Key);
            Assert.Equal($"transaction {tampered} reads {outside}, which the witness does not hold", verdict.Message);
        }
    }

    [Fact]
    public void A_false_claim_names_the_first_transaction_whose_digest_differs()
    {
        var (state, block, witness, preRoot, postRoot, digests) = Honest();
        var falseRoot = Keccak256.Compute("not the root"u8);
        foreach (int diverging in new[] { 0, 17, digests.Length - 1 })
        {
            var claimed = digests.ToArray();
            for (int i = diverging; i < claimed.Length; i += 3) claimed[i] = Keccak256.Compute(BitConverter.GetBytes(i)); // later ones differ too
            foreach (var verifier in Verifiers(state))
            {
                var verdict = verifier.Verify(preRoot, block, witness, new StatelessClaim(falseRoot, claimed));
                Assert.Equal(VerificationOutcome.PostRootMismatch, verdict.Outcome);
                Assert.Equal(diverging, verdict.Transaction);
                Assert.Contains($"the first diverging transaction is {diverging}", verdict.Message);
            }
        }
        // Honest digests with a false root: no transaction diverges, the root does not follow from them.
        var honestDigests = Verifiers(state)[1].Verify(preRoot, block, witness, new StatelessClaim(falseRoot, digests));
        Assert.Equal(VerificationOutcome.PostRootMismatch, honestDigests.Outcome);
        Assert.Null(honestDigests.Transaction);
        // The honest claim with its digests is proven.
        Assert.True(Verifiers(state)[1].Verify(preRoot, block, witness, new StatelessClaim(postRoot, digests)).IsProven);
    }

    [Fact]
    public void Digests_are_the_same_for_every_executor_and_schedule()
    {
        foreach (int seed in WitnessCaptureTests.Seeds(40, 43_000))
        {
            var random = new Random(seed);
            int keySpace = WitnessFixtures.KeySpaces[random.Next(WitnessFixtures.KeySpaces.Length)];
            var block = ScriptedTransaction.RandomBlock(random, random.Next(20, 200), keySpace, withHints: false);
            var state = WitnessFixtures.RandomStartState(random, keySpace);
            var options = new ExecutionOptions { RecordTransactionDigests = true, Speculation = SpeculationMode.SpeculateFirst };
            var expected = _sequential.Execute(block, state, options).TransactionDigests!;
            Assert.Equal(block.Transactions.Count, expected.Length);
            Assert.Equal(expected, _parallel.Execute(block, state, options).TransactionDigests);
        }
    }
}
