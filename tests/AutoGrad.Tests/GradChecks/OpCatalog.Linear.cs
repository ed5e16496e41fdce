using AutoGrad.Tensors;
using static AutoGrad.Tests.GradChecks.InputSpec;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>matmul in every form (vectors, matrices, batches with broadcast batch axes, kernel transposes) and a small MLP loss.</summary>
    public static IEnumerable<OpCase> Linear()
    {
        OpCase MatMul(string variant, Shape a, Shape b, bool transposeA = false, bool transposeB = false) =>
            new("matmul", variant,
                x => transposeA || transposeB ? x[0].MatMul(x[1], transposeA, transposeB) : x[0].MatMul(x[1]),
                [Normal(a), Normal(b)], MaxOrder: 2);

        yield return MatMul("1-D·1-D (3,)·(3,)", [3], [3]);
        yield return MatMul("2-D (2,3)·(3,4)", [2, 3], [3, 4]);
        yield return MatMul("1-D·2-D (3,)·(3,4)", [3], [3, 4]);
        yield return MatMul("2-D·1-D (2,3)·(3,)", [2, 3], [3]);
        yield return MatMul("batched (2,2,3)·(2,3,4)", [2, 2, 3], [2, 3, 4]);
        yield return MatMul("batch broadcast (2,1,2,3)·(3,3,4)", [2, 1, 2, 3], [3, 3, 4]);
        yield return MatMul("batched·2-D (2,2,3)·(3,4)", [2, 2, 3], [3, 4]);
        yield return MatMul("1-D·batched (3,)·(2,3,4)", [3], [2, 3, 4]);
        yield return MatMul("transpose a (3,2)ᵀ·(3,4)", [3, 2], [3, 4], transposeA: true);
        yield return MatMul("transpose b (2,3)·(4,3)ᵀ", [2, 3], [4, 3], transposeB: true);
        yield return MatMul("transpose both (3,2)ᵀ·(4,3)ᵀ", [3, 2], [4, 3], transposeA: true, transposeB: true);
        yield return MatMul("batched transpose both (2,3,2)ᵀ·(1,4,3)ᵀ", [2, 3, 2], [1, 4, 3], transposeA: true, transposeB: true);

        yield return new("fused_epilogue", "matmul (2,4)·(3,4)ᵀ, epilogue {add x0 x1; tanh t0; mul t1 x2}, row (3,) and column (2,1)",
            x => FusedEpilogueProgram.RowAndColumn.Apply(x), [Normal([2, 4]), Normal([3, 4]), Normal([3]), Normal([2, 1])], MaxOrder: 2);
        yield return new("fused_epilogue", "matmul (3,2)ᵀ·(3,3), epilogue {mul x0 x1; sigmoid t0; sub t1 x2}, full (2,3) and scalar ()",
            x => FusedEpilogueProgram.FullAndScalar.Apply(x), [Normal([3, 2]), Normal([3, 3]), Normal([2, 3]), Normal([])], MaxOrder: 2);
        yield return new("fused_epilogue", "conv2d (2,2,5,4)⋆(3,2,3,3) + bias (3,), padding 1, epilogue {mul x0 x1; tanh t0}, scalar ()",
            x => FusedEpilogueProgram.ConvScaleTanh.Apply(x), [Normal([2, 2, 5, 4]), Normal([3, 2, 3, 3]), Normal([3]), Normal([])], MaxOrder: 2);
        yield return new("chunk_fused", "conv2d (5,1,6,6)⋆(3,1,3,3) + bias (3,), then max_pool2d 2×2, two images per chunk (the last one alone)",
            x => ChunkFusedProgram.ConvPool.Apply(x), [Normal([5, 1, 6, 6]), Normal([3, 1, 3, 3]), Normal([3])], MaxOrder: 2);
        yield return new("chunk_fused", "conv2d (3,2,5,4)⋆(2,2,3,3), then max_pool2d_grad of g (3,2,1,1) at it, two images per chunk",
            x => ChunkFusedProgram.ConvPoolGrad.Apply(x), [Normal([3, 2, 5, 4]), Normal([2, 2, 3, 3]), Normal([3, 2, 1, 1])]);
        yield return new("mlp_mse", "2-layer tanh MLP, mean squared error", x => MlpLoss(x[0], x[1], x[2], x[3]),
            [Normal([3, 5]), Normal([5]), Normal([5, 2]), Normal([2])], MaxOrder: 2);
    }

    /// <summary>Fixed data of the MLP rows: 4 samples of 3 features and their 2 targets.</summary>
    public static readonly Tensor MlpInputs = Tensor.FromArray(
        new double[] { 0.5, -1.0, 0.25, 1.5, 0.3, -0.7, -0.2, 0.8, 1.1, 0.9, -1.3, 0.4 }, 4, 3);

    /// <summary>Targets of the MLP rows.</summary>
    public static readonly Tensor MlpTargets = Tensor.FromArray(new double[] { 1, 0, 0, 1, 0.5, -0.5, -1, 2 }, 4, 2);

    /// <summary>mean((tanh(x·W1 + b1)·W2 + b2 − t)²) over the fixed data.</summary>
    public static Tensor MlpLoss(Tensor w1, Tensor b1, Tensor w2, Tensor b2)
    {
        Tensor hidden = MlpInputs.MatMul(w1).Add(b1).Tanh();
        Tensor prediction = hidden.MatMul(w2).Add(b2);
        return prediction.Sub(MlpTargets).Square().Mean();
    }
}

/// <summary>Fused epilogue nodes as the GEMM-epilogue pass makes them; their derivative is the product's rule after the program's.</summary>
internal static class FusedEpilogueProgram
{
    public static readonly AutoGrad.Graphs.Passes.FusedEpilogueOp RowAndColumn = new(
        AutoGrad.Ops.Linear.MatMulOp.Create(false, true), 2,
        [
            new(AutoGrad.Ops.Elementwise.AddOp.Instance, [new(false, 0), new(false, 1)]),
            new(AutoGrad.Ops.Elementwise.TanhOp.Instance, [new(true, 0)]),
            new(AutoGrad.Ops.Elementwise.MulOp.Instance, [new(true, 1), new(false, 2)]),
        ]);

    public static readonly AutoGrad.Graphs.Passes.FusedEpilogueOp ConvScaleTanh = new(
        new AutoGrad.Ops.Conv.Conv2dOp(new AutoGrad.Ops.Conv.Conv2dSettings((1, 1), (1, 1), (1, 1))), 3,
        [
            new(AutoGrad.Ops.Elementwise.MulOp.Instance, [new(false, 0), new(false, 1)]),
            new(AutoGrad.Ops.Elementwise.TanhOp.Instance, [new(true, 0)]),
        ]);

    public static readonly AutoGrad.Graphs.Passes.FusedEpilogueOp FullAndScalar = new(
        AutoGrad.Ops.Linear.MatMulOp.Create(true, false), 2,
        [
            new(AutoGrad.Ops.Elementwise.MulOp.Instance, [new(false, 0), new(false, 1)]),
            new(AutoGrad.Ops.Elementwise.SigmoidOp.Instance, [new(true, 0)]),
            new(AutoGrad.Ops.Elementwise.SubOp.Instance, [new(true, 1), new(false, 2)]),
        ]);
}

/// <summary>Chunk-fused nodes of the catalog, with chunks of two images (in float64; float32 chunks hold four).</summary>
internal static class ChunkFusedProgram
{
    private static readonly AutoGrad.Ops.Conv.PoolSettings Pool = new((2, 2), (2, 2), (0, 0), false);

    /// <summary>conv2d(x, w, b) read by max_pool2d; inputs x (rows), w, b.</summary>
    public static readonly AutoGrad.Graphs.Passes.ChunkFusedOp ConvPool = new(
        new AutoGrad.Ops.Conv.Conv2dOp(new AutoGrad.Ops.Conv.Conv2dSettings((1, 1), (0, 0), (1, 1))), 3,
        new AutoGrad.Ops.Conv.MaxPool2dOp(Pool), [new(true, 0)], [true, false, false], chunkBytes: 2 * 3 * 4 * 4 * sizeof(double));

    /// <summary>conv2d(x, w) read by max_pool2d_grad(g, ·); inputs x (rows), w, g (rows).</summary>
    public static readonly AutoGrad.Graphs.Passes.ChunkFusedOp ConvPoolGrad = new(
        new AutoGrad.Ops.Conv.Conv2dOp(new AutoGrad.Ops.Conv.Conv2dSettings((1, 1), (0, 0), (1, 1))), 2,
        new AutoGrad.Ops.Conv.MaxPool2dGradOp(Pool), [new(false, 2), new(true, 0)], [true, false, true], chunkBytes: 2 * 2 * 3 * 2 * sizeof(double));
}
