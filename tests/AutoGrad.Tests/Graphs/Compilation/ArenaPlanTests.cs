using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Graphs.Passes;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Ops;
using AutoGrad.Tensors;
using CsCheck;

namespace AutoGrad.Tests.Graphs.Compilation;

/// <summary>The arena plan on whole graphs: random graphs keep live values apart and compute what the interpreter does; the MNIST step's arena sits between its bounds.</summary>
public class ArenaPlanTests
{
    // A random graph: a list of (op code, operand choice, width) steps over a pool of values of a few widths.
    private static readonly Gen<(int Op, int Pick, int Width)[]> Programs =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 1000], Gen.Int[1, 24]).Array[1, 14];

    [Fact]
    public void Plan_RandomGraphs_LiveValuesNeverShareBytesAndCompiledEqualsInterpreter()
    {
        Gen.Select(Programs, Gen.Int[1, 9], Gen.Int[0, 1000]).Sample(c =>
        {
            var (program, batch, seed) = c;
            Graph graph = Build(program, seed);
            MemoryPlan plan = MemoryPlanner.Plan(graph, batch);
            CheckPlan(graph, plan);

            Tensor[] expected1 = graph.Run(Tensor.RandN([batch, 5], new Generator(seed), DType.Float64));
            Tensor[] expected2 = graph.Run(Tensor.RandN([batch, 5], new Generator(seed + 1), DType.Float64));
            foreach (bool optimize in new[] { false, true })
            {
                CompiledGraph compiled = graph.Compile(optimize);
                // Twice, so the second run starts from buffers the first one left behind.
                foreach (var (input, expected) in new[] { (seed, expected1), (seed + 1, expected2) })
                {
                    IReadOnlyList<Tensor> actual = compiled.Run(Tensor.RandN([batch, 5], new Generator(input), DType.Float64));
                    for (int i = 0; i < expected.Length; i++)
                    {
                        Assert.True(actual[i].MaxRelativeError(expected[i]) < 1e-12, $"output {i}, optimize {optimize}\n{graph}");
                    }
                }
            }
        }, iter: 40);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Run_EveryPlannedValue_StartsOnA64ByteBoundary(DType dtype)
    {
        // Values of odd sizes (3, 5·B, 7·B elements) between the recording ops, so the planner's offsets are not all zero;
        // a plain array starts 8-byte aligned at a place that varies, and then most of the recorded starts would miss.
        var recorder = new RecordsStartOp();
        Graph graph = Graph.Trace(x =>
        {
            Tensor a = recorder.Apply(x.Exp());
            Tensor b = recorder.Apply(a.Sum([1], keepDims: true).Mul(a.Slice(1, 0, 3)));
            Tensor c = recorder.Apply(Tensor.Concat([b.Tanh(), a], 1));
            return recorder.Apply(c.Square()).Sum();
        }, TensorSpec.Batched(dtype, 5));
        CompiledGraph compiled = graph.Compile(optimize: false);
        foreach (int batch in new[] { 1, 3, 7 })
        {
            recorder.Starts.Clear();
            compiled.Run(Tensor.RandN([batch, 5], new Generator(batch), dtype));
            Assert.Equal(8, recorder.Starts.Count);
            Assert.All(recorder.Starts, s => Assert.Equal(0, s % 64));
        }
    }

    [Fact]
    public void Plan_MnistMlpAdamStep_ArenaBetweenBusiestStepAndExactSizeReuse()
    {
        Generator.ManualSeed(1);
        var model = new Sequential(new Dense(128, "relu"), new Dense(10));
        model.Build(new Shape(784));
        var loss = new CrossEntropy();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), TensorSpec.Batched(784), TensorSpec.Batched(10),
            new Adam(model, 1e-3));
        MemoryPlan plan = step.Executable.MemoryPlan(64);
        CheckPlan(step.Executable.Graph, plan);

        // Lower bound: the bytes of the arena buffers live at the busiest step, per dtype, recomputed from the intervals.
        long busiest = 0;
        foreach (var group in plan.Buffers.Where(b => b.InArena).GroupBy(b => b.Type.DType))
        {
            busiest += Enumerable.Range(0, step.Executable.Graph.Nodes.Length)
                .Max(n => group.Where(b => b.Start <= n && n <= b.End).Sum(b => b.Bytes));
        }

        long exactSize = ExactSizeReuseBytes(plan.Buffers);
        Assert.InRange(plan.ArenaBytes, busiest, exactSize - plan.OutputBytes);
        Assert.True(plan.PlannedBytes <= exactSize, $"arena plan {plan} vs {exactSize} bytes with exact-size reuse");
        Console.WriteLine($"MNIST MLP Adam step, batch 64: {plan}; exact-size reuse {exactSize} bytes; busiest step {busiest} bytes");
        Assert.True(busiest > 64 * 128 * 4, "the hidden activations are live together with others");
    }

    /// <summary>Copies its input and records the byte address of the input's and the output's first elements.</summary>
    private sealed class RecordsStartOp : Op
    {
        public List<long> Starts { get; } = [];

        public override string Name => "records_start";

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

        public override unsafe void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            if (output.DType == DType.Float32)
            {
                fixed (float* x = inputs[0].AsSpan<float>(), y = output.AsSpan<float>())
                {
                    Starts.AddRange([(long)x, (long)y]);
                }
            }
            else
            {
                fixed (double* x = inputs[0].AsSpan<double>(), y = output.AsSpan<double>())
                {
                    Starts.AddRange([(long)x, (long)y]);
                }
            }

            inputs[0].CopyTo(output);
        }

        public override Tensor?[] Backward(GradientContext context) => [context.OutputGrad];
    }

    /// <summary>
    /// The previous planner's total, as a reference: walking buffers in the order they are first written, a buffer takes
    /// the place of a dead one of the same dtype and element count if there is one, else adds its own bytes.
    /// </summary>
    private static long ExactSizeReuseBytes(IReadOnlyList<PlannedBuffer> buffers)
    {
        var slots = new List<(TensorType Type, int FreeAfter)>();
        foreach (PlannedBuffer buffer in buffers.OrderBy(b => b.Start))
        {
            int free = slots.FindIndex(s => s.Type == buffer.Type && s.FreeAfter < buffer.Start);
            if (free >= 0)
            {
                slots[free] = (buffer.Type, buffer.End);
            }
            else
            {
                slots.Add((buffer.Type, buffer.End));
            }
        }

        return slots.Sum(s => (long)s.Type.Shape.Size * s.Type.DType.ElementSize());
    }

    private static void CheckPlan(Graph graph, MemoryPlan plan)
    {
        var arenaSize = plan.Arenas.ToDictionary(a => a.DType, a => a.Bytes);
        ImmutableArrayCheck(plan);
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            PlannedBuffer buffer = plan.Buffers[plan.BufferOfNode[n]];
            int end = Math.Max(n, plan.LastUse[n]);
            Assert.True(buffer.Start <= n && end <= buffer.End, $"node {n} (live {n}..{end}) outside its buffer's interval {buffer.Start}..{buffer.End}");
        }

        for (int i = 0; i < plan.Buffers.Length; i++)
        {
            PlannedBuffer a = plan.Buffers[i];
            if (!a.InArena)
            {
                Assert.Equal(-1, a.Offset);
                continue;
            }

            Assert.True(a.Offset >= 0 && a.Offset + a.Bytes <= arenaSize[a.Type.DType], $"buffer {i} does not fit its arena");
            for (int j = 0; j < i; j++)
            {
                PlannedBuffer b = plan.Buffers[j];
                if (b.InArena && b.Type.DType == a.Type.DType && a.Start <= b.End && b.Start <= a.End && a.Bytes > 0 && b.Bytes > 0)
                {
                    Assert.True(a.Offset + a.Bytes <= b.Offset || b.Offset + b.Bytes <= a.Offset, $"buffers {j} and {i} are live together and overlap");
                }
            }
        }
    }

    // Every node belongs to a buffer, and the buffers' bytes add up to what the plan reports.
    private static void ImmutableArrayCheck(MemoryPlan plan)
    {
        Assert.All(plan.BufferOfNode, b => Assert.InRange(b, 0, plan.Buffers.Length - 1));
        Assert.Equal(plan.Buffers.Where(b => !b.InArena).Sum(b => b.Bytes), plan.OutputBytes);
    }

    private static Graph Build((int Op, int Pick, int Width)[] program, int seed)
    {
        return Graph.Trace(inputs =>
        {
            // Tracing calls the function at two batch sizes: both calls must create the same constants.
            var g = new Generator(seed);
            var values = new List<Tensor> { inputs[0] };
            Tensor Pick(int pick) => values[pick % values.Count];
            foreach (var (op, pick, width) in program)
            {
                Tensor x = Pick(pick);
                int features = x.Shape[1];
                Tensor? same = values.LastOrDefault(v => v.Shape[1] == features && !ReferenceEquals(v, x));
                values.Add(op switch
                {
                    0 => x.Tanh(),
                    1 => x.MatMul(Tensor.RandN([features, width], g, DType.Float64, std: 0.3)),
                    2 => same is null ? x.Neg() : x.Add(same),
                    3 => same is null ? x.Sigmoid() : x.Mul(same).Tanh(),
                    4 => x.Reshape(-1).Tanh().Reshape(-1, features),
                    5 => x.Sum([1], keepDims: true).Add(x),
                    6 => Tensor.Concat([x, x.Neg()], axis: 1),
                    _ => x.Relu().Sub(x.Mean([1], keepDims: true)),
                });
            }

            // The last value, and one picked earlier, are outputs (a value read later and returned).
            return [values[^1], Pick(program[0].Pick + 1)];
        }, TensorSpec.Batched(DType.Float64, 5));
    }
}
