using System.Collections.Immutable;
using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Graphs.Passes;
using AutoGrad.NN.Optimizers;
using AutoGrad.Ops;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Ops.Linear;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

public class GemmEpilogueFusionTests
{
    private static readonly Op[] ExactUnary = [ReluOp.Instance, NegOp.Instance, SignOp.Instance];
    private static readonly Op[] TranscendentalUnary = [TanhOp.Instance, SigmoidOp.Instance];
    private static readonly Op[] ExactBinary = [AddOp.Instance, SubOp.Instance, MulOp.Instance];

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Forward_RandomProgramsAndShapes_EqualsProductThenFusedLoop(DType dtype)
    {
        // The unfused path the pass replaces: the product, then the fused elementwise loop over it. Exact ops must agree
        // bit for bit; tanh and sigmoid to the fused loop's documented bound.
        var random = new Random(dtype == DType.Float32 ? 11 : 12);
        var generator = new Generator(5);
        int[] columnChoices = [1, 2, 3, 7, 8, 17, 64, 70, 130, 300];
        for (int trial = 0; trial < 80; trial++)
        {
            int m = random.Next(1, 71), n = columnChoices[random.Next(columnChoices.Length)], k = random.Next(1, 40);
            bool transposeA = random.Next(2) == 1, transposeB = random.Next(2) == 1;
            Tensor a = Tensor.RandN(transposeA ? [k, m] : [m, k], generator, dtype);
            Tensor b = Tensor.RandN(transposeB ? [n, k] : [k, n], generator, dtype);
            Shape[] patterns = [[m, n], [n], [1, n], [m, 1], [], [1, 1]];
            Tensor[] extras = [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Tensor.RandN(patterns[random.Next(patterns.Length)], generator, dtype))];
            (ImmutableArray<FusedInstruction> program, bool exact) = RandomProgram(random, extras.Length);

            Tensor fused = new FusedEpilogueOp(MatMulOp.Create(transposeA, transposeB), 2, program).Apply([a, b, .. extras]);
            Tensor product = a.MatMul(b, transposeA, transposeB);
            Tensor expected = new FusedElementwiseOp(program).Apply([product, .. extras]);

            double bound = exact ? 0 : dtype == DType.Float32 ? 1e-6 : 1e-14;
            string what = $"trial {trial}: ({m},{k})·({k},{n}) ta={transposeA} tb={transposeB} operands {string.Join(" ", extras.Select(e => e.Shape))} program {{{string.Join("; ", program)}}}";
            Assert.True(fused.MaxRelativeError(expected) <= bound, what);

            // The interface contract lets a GEMM hand over any disjoint blocks: four blocks from a random cut give the same.
            int rowCut = random.Next(0, m + 1), columnCut = random.Next(0, n + 1);
            Tensor blocks = dtype == DType.Float32
                ? ApplyInBlocks<float>(program, product, extras, rowCut, columnCut)
                : ApplyInBlocks<double>(program, product, extras, rowCut, columnCut);
            Assert.True(blocks.MaxRelativeError(expected) <= bound, $"{what}, blocks cut at row {rowCut}, column {columnCut}");
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Optimize_MlpGradient_FusesBothBiasActivationsAndTheReluMask_WithTheSameResults(DType dtype)
    {
        TestModel model = TestModel.Create("mnist_mlp", dtype);
        Graph gradient = model.Trace().Gradient();
        Graph optimized = gradient.Optimize();
        Graph unfused = WithoutEpilogues(gradient);
        Assert.Equal(3, PassAssert.Count(optimized, "fused_epilogue"));
        Assert.Equal(0, PassAssert.Count(unfused, "fused_epilogue"));

        // The same GEMM and the same lanes (add, relu, sign, mul) run either way: equal bits.
        CompiledGraph fused = optimized.Compile(optimize: false), reference = unfused.Compile(optimize: false);
        foreach (int batch in new[] { 1, 7, 64 })
        {
            Tensor[] inputs = model.Batch(batch, new Generator(batch));
            Tensor[] expected = [.. reference.Run(inputs).Select(t => t.Clone())];
            IReadOnlyList<Tensor> actual = fused.Run(inputs);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(actual[i].MaxRelativeError(expected[i]) == 0, $"output {i} at batch {batch}");
            }
        }
    }

    [Fact]
    public void CompiledMlpGradient_WithEpilogues_AllocatesNothingPerCall()
    {
        // The epilogue is prepared once per shape and its operands are bound per run, never copied.
        TestModel model = TestModel.Create("mnist_mlp");
        CompiledGraph compiled = model.Trace().Gradient().Compile();
        Assert.Equal(3, PassAssert.Count(model.Trace().Gradient().Optimize(), "fused_epilogue"));
        Tensor[] inputs = model.Batch(64, new Generator(3));
        Assert.Equal(0, Allocations.AfterWarmUp(() => compiled.Run(inputs)));
    }

    [Fact]
    public void Optimize_ProductThatIsAlsoAnOutput_IsNotFused()
    {
        var w = Tensor.RandN([4, 3], new Generator(1), DType.Float64).RequireGrad().Also("w");
        Graph graph = Graph.Trace(x => { Tensor p = x[0].MatMul(w); return [p, p.Relu()]; }, TensorSpec.Batched(DType.Float64, 4));
        Graph optimized = graph.Optimize();
        Assert.Equal(["matmul", "relu"], optimized.Nodes.Select(n => n.Op.Name));
    }

    [Fact]
    public void Optimize_ProductReadByTwoNodes_IsNotFused()
    {
        var w = Tensor.RandN([4, 3], new Generator(1), DType.Float64).RequireGrad().Also("w");
        Graph graph = Graph.Trace(x => { Tensor p = x.MatMul(w); return p.Relu().Add(p.Sum(-1, keepDims: true)); }, TensorSpec.Batched(DType.Float64, 4));
        Graph optimized = graph.Optimize();
        Assert.Equal(0, PassAssert.Count(optimized, "fused_epilogue"));
        Assert.Equal(1, PassAssert.Count(optimized, "matmul"));
        PassAssert.SameResults(graph, optimized, 1e-15);
    }

    [Fact]
    public void Optimize_ProductReadByItsGradient_StaysInMemory()
    {
        // d/dw sum((x·w)²) reads x·w again (2·p), so the forward product has a second reader and must not be fused away.
        var w = Tensor.RandN([4, 3], new Generator(2), DType.Float64).RequireGrad().Also("w");
        Graph gradient = Graph.Trace(x => x.MatMul(w).Square().Sum(), TensorSpec.Batched(DType.Float64, 4)).Gradient();
        Graph optimized = gradient.Optimize();
        Assert.Equal(0, PassAssert.Count(optimized, "fused_epilogue"));
        PassAssert.SameResults(gradient, optimized, 1e-13);
    }

    [Fact]
    public void Optimize_BatchedProduct_IsNotFused()
    {
        var w = Tensor.RandN([3, 5], new Generator(3), DType.Float64).RequireGrad().Also("w");
        Graph graph = Graph.Trace(x => x.Reshape(x.Shape[0], 2, 3).MatMul(w).Tanh(), TensorSpec.Batched(DType.Float64, 6));
        Graph optimized = graph.Optimize();
        Assert.Equal(0, PassAssert.Count(optimized, "fused_epilogue"));
        Assert.Contains(optimized.Nodes, n => n.Op.Name == "matmul");
    }

    [Fact]
    public void Optimize_OptimizedGraphWithEpilogues_CanBeDifferentiatedAgain()
    {
        var w = Tensor.RandN([4, 3], new Generator(4), DType.Float64).RequireGrad().Also("w");
        var bias = Tensor.RandN([3], new Generator(5), DType.Float64).RequireGrad().Also("bias");
        Graph forward = Graph.Trace(x => x.MatMul(w).Add(bias).Tanh().Sum(), TensorSpec.Batched(DType.Float64, 4));
        Graph optimized = forward.Optimize();
        Assert.Equal(1, PassAssert.Count(optimized, "fused_epilogue"));
        Graph viaFused = optimized.Gradient(), direct = forward.Gradient();
        PassAssert.SameResults(direct, viaFused, 1e-13);
    }

    [Fact]
    public void BatchRule_ExamplesInTheLeftOperandAndAPerExampleOperand_StayRows()
    {
        var op = new FusedEpilogueOp(MatMulOp.Create(false, false), 2,
            [new(AddOp.Instance, [new(false, 0), new(false, 1)]), new(MulOp.Instance, [new(true, 0), new(false, 2)])]);
        TensorType[] types = [new([6, 4], DType.Float32), new([4, 3], DType.Float32), new([3], DType.Float32), new([6, 1], DType.Float32)];
        TensorType output = op.InferType(types);
        Assert.Equal(new TensorType([6, 3], DType.Float32), output);
        BatchDependence? rule = op.BatchRule([BatchDependence.Rows(0), BatchDependence.Shared, BatchDependence.Shared, BatchDependence.Rows(0)], types, output);
        Assert.Equal(BatchDependence.Rows(0), rule);

        // Examples along the contracted axis are summed together: no rule.
        Assert.Null(op.BatchRule([BatchDependence.Shared, BatchDependence.Rows(0), BatchDependence.Shared, BatchDependence.Shared], types, output));
    }

    [Fact]
    public void InferType_OperandThatIsNoEpiloguePattern_ThrowsNamingTheShapes()
    {
        var op = new FusedEpilogueOp(MatMulOp.Create(false, false), 2, [new(AddOp.Instance, [new(false, 0), new(false, 1)])]);
        var error = Assert.Throws<ArgumentException>(() =>
            op.InferType([new([6, 4], DType.Float32), new([4, 3], DType.Float32), new([2, 6, 3], DType.Float32)]));
        Assert.Contains("fused_epilogue", error.Message);
        Assert.Contains("f32[2,6,3]", error.Message);
    }

    [Fact]
    public void CompiledTrainingStep_ReluMlp_MatchesEagerAdamOverSteps()
    {
        (Tensor[] eager, Func<Tensor, Tensor, Tensor> eagerLoss) = Mlp();
        (Tensor[] compiled, Func<Tensor, Tensor, Tensor> compiledLoss) = Mlp();
        var eagerOptimizer = new Adam(eager, learningRate: 0.01);
        var step = CompiledTrainingStep.Create(compiledLoss, TensorSpec.Batched(12), TensorSpec.Batched(5), new Adam(compiled, learningRate: 0.01),
            DataParallel.Off);
        var generator = new Generator(9);
        for (int i = 0; i < 8; i++)
        {
            Tensor x = Tensor.RandN([16, 12], generator);
            Tensor y = TestModel.OneHot(16, 5, generator, DType.Float32);
            eagerOptimizer.ZeroGrad();
            eagerLoss(x, y).Backward();
            eagerOptimizer.Step();
            step.Step(x, y);
        }

        for (int i = 0; i < eager.Length; i++)
        {
            Assert.True(compiled[i].MaxRelativeError(eager[i]) <= 1e-5, $"parameter {eager[i].Name}");
        }

        Assert.NotEqual(Mlp().Parameters[0].ToArray(), compiled[0].ToArray());
    }

    /// <summary>A 12-16-5 ReLU MLP with softmax cross-entropy, the same weights on every call.</summary>
    private static (Tensor[] Parameters, Func<Tensor, Tensor, Tensor> Loss) Mlp()
    {
        var g = new Generator(21);
        Tensor w1 = TestModel.Parameter("dense1.kernel", [12, 16], g, DType.Float32), b1 = TestModel.Parameter("dense1.bias", [16], g, DType.Float32);
        Tensor w2 = TestModel.Parameter("dense2.kernel", [16, 5], g, DType.Float32), b2 = TestModel.Parameter("dense2.bias", [5], g, DType.Float32);
        return ([w1, b1, w2, b2], (x, y) => y.Mul(x.MatMul(w1).Add(b1).Relu().MatMul(w2).Add(b2).LogSoftmax(1)).Sum().Neg().Div(16.0));
    }

    /// <summary>The epilogue applied to a copy of <paramref name="product"/> in the four blocks of a cut, bottom-right first.</summary>
    private static Tensor ApplyInBlocks<T>(ImmutableArray<FusedInstruction> program, Tensor product, Tensor[] extras, int rowCut, int columnCut)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        int m = product.Shape[0], n = product.Shape[1];
        EpilogueRead[] reads = [EpilogueRead.Product, .. extras.Select(e => FusedEpilogueOp.ReadOf(e.Shape, product.Shape)!.Value)];
        var loop = EpilogueLoop<T>.TryCreate(program, reads, m, n)!;
        loop.Bind(extras);
        Tensor c = product.Clone();
        foreach ((int row0, int rows, int col0, int cols) in new[]
            { (rowCut, m - rowCut, columnCut, n - columnCut), (0, rowCut, 0, columnCut), (rowCut, m - rowCut, 0, columnCut), (0, rowCut, columnCut, n - columnCut) })
        {
            if (rows > 0 && cols > 0)
            {
                loop.Apply(c.AsSpan<T>(), n, row0, rows, col0, cols);
            }
        }

        return c;
    }

    /// <summary>The standard passes without the GEMM-epilogue fusion: the unfused reference.</summary>
    private static Graph WithoutEpilogues(Graph graph) => GraphPasses.Optimize(graph, fuseEpilogues: false);

    /// <summary>A chain starting from the product (so the result keeps its shape), each binary step reading a random
    /// program input or earlier result; whether every op is exact.</summary>
    private static (ImmutableArray<FusedInstruction> Program, bool Exact) RandomProgram(Random random, int extraCount)
    {
        int length = random.Next(1, 6);
        bool exact = true;
        var program = ImmutableArray.CreateBuilder<FusedInstruction>(length);
        for (int k = 0; k < length; k++)
        {
            var chain = k == 0 ? new FusedOperand(false, 0) : new FusedOperand(true, k - 1);
            if (random.Next(3) == 0)
            {
                bool transcendental = random.Next(3) == 0;
                Op[] ops = transcendental ? TranscendentalUnary : ExactUnary;
                exact &= !transcendental;
                program.Add(new FusedInstruction(ops[random.Next(ops.Length)], [chain]));
                continue;
            }

            int choices = extraCount + 1 + k;
            int pick = random.Next(choices);
            var other = pick <= extraCount ? new FusedOperand(false, pick) : new FusedOperand(true, pick - extraCount - 1);
            Op op = ExactBinary[random.Next(ExactBinary.Length)];
            program.Add(new FusedInstruction(op, random.Next(2) == 0 ? [chain, other] : [other, chain]));
        }

        return (program.MoveToImmutable(), exact);
    }
}
