using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Linear;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Linear
{
    /// <summary>
    /// Batched matrix product op(A)·op(B) over the last two axes, with NumPy broadcasting of the leading (batch) axes.
    /// op transposes the last two axes when the flag is set; transposes are handled by the GEMM kernel's packing,
    /// never materialized. Gradient: for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC, expressed as matmuls with transpose flags.
    /// </summary>
    internal sealed class MatMulOp(bool transposeA, bool transposeB) : Op, IEpilogueProducer
    {
        private static readonly MatMulOp Plain = new(false, false);

        public override string Name => "matmul";

        /// <summary>
        /// Examples along a batch axis of the product, the rows of A or the columns of B stay apart; along the contracted
        /// axis they are summed together, which a split by examples cannot reproduce.
        /// </summary>
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output)
        {
            int rank = output.Shape.Rank;
            int? a = ProductAxis(inputs[0], inputTypes[0].Shape.Rank, rank, TransposeA ? -1 : -2, rank - 2);
            int? b = ProductAxis(inputs[1], inputTypes[1].Shape.Rank, rank, TransposeB ? -2 : -1, rank - 1);
            if (a is not int axisA || b is not int axisB)
            {
                return null;
            }

            if (axisA >= 0 && axisB >= 0)
            {
                // Both carry the examples: only along the same batch axis of a batched product.
                return axisA == axisB && axisA < rank - 2 && inputs[0].Factor == inputs[1].Factor ? inputs[0].WithAxis(axisA) : null;
            }

            return axisA >= 0 ? inputs[0].WithAxis(axisA) : inputs[1].WithAxis(axisB);
        }

        /// <summary>The output axis an operand's examples land on (−1 for a shared operand), or null when they are contracted.</summary>
        private static int? ProductAxis(BatchDependence operand, int operandRank, int outputRank, int freeAxisFromEnd, int outputFreeAxis)
        {
            if (operand.Role == BatchRole.Shared)
            {
                return -1;
            }

            if (operand.Role != BatchRole.Rows)
            {
                return null;
            }

            if (operand.Axis < operandRank - 2)
            {
                return operand.Axis + (outputRank - operandRank);
            }

            return operand.Axis == operandRank + freeAxisFromEnd ? outputFreeAxis : null;
        }

        /// <summary>2·m·n·k per product (one multiply and one add per term), times the batch of products.</summary>
        public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output)
        {
            Shape a = inputs[0].Shape;
            int k = TransposeA ? a[-2] : a[-1];
            return new(2L * output.Shape.Size * k, DefaultBytes(inputs, output));
        }

        /// <inheritdoc/>
        protected internal override bool ForwardWritesEveryElement => true;

        public bool TransposeA { get; } = transposeA;

        public bool TransposeB { get; } = transposeB;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
            !TransposeA && !TransposeB ? [] : [new("transpose_a", TransposeA), new("transpose_b", TransposeB)];

        public static MatMulOp Create(bool transposeA, bool transposeB) => !transposeA && !transposeB ? Plain : new MatMulOp(transposeA, transposeB);

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            DType dtype = ShapeChecks.SameDType(Name, inputs[0], inputs[1]);
            Shape a = inputs[0].Shape, b = inputs[1].Shape;
            if (a.Rank < 2 || b.Rank < 2)
            {
                throw new ArgumentException($"{Name}: operands must have at least 2 axes, got {a} and {b}.");
            }

            (int m, int k) = TransposeA ? (a[-1], a[-2]) : (a[-2], a[-1]);
            (int k2, int n) = TransposeB ? (b[-1], b[-2]) : (b[-2], b[-1]);
            if (k != k2)
            {
                throw new ArgumentException(
                    $"{Name}: shapes {a} and {b} are not aligned: the inner dimensions differ ({k} vs {k2})" +
                    (TransposeA || TransposeB ? $" with transpose_a={TransposeA}, transpose_b={TransposeB}." : "; (m, k)·(k, n) needs equal k."));
            }

            Shape batch;
            try
            {
                batch = ShapeChecks.Broadcast(Name, BatchOf(a), BatchOf(b));
            }
            catch (ArgumentException)
            {
                throw new ArgumentException(
                    $"{Name}: shapes {a} and {b} have batch axes {BatchOf(a)} and {BatchOf(b)} (all but the last two) that do not broadcast.");
            }

            int[] dims = [.. batch.ToArray(), m, n];
            return new TensorType(Shape.FromOwned(dims), dtype);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => Run(inputs[0], inputs[1], output, null, null);

        /// <summary>A plain product of two matrices is one GEMM, which runs an epilogue; a batched one is many.</summary>
        public bool AcceptsEpilogue(ReadOnlySpan<int> inputRanks) => inputRanks is [2, 2];

        /// <summary>The product with <paramref name="epilogue"/> applied to each finished block of it (both operands 2-D).</summary>
        public void Forward<T>(ReadOnlySpan<Tensor> inputs, Tensor output, IGemmEpilogue<T> epilogue)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            Tensor a = inputs[0], b = inputs[1];
            int m = output.Shape[-2], n = output.Shape[-1];
            int k = TransposeA ? a.Shape[-2] : a.Shape[-1];
            Gemm.Multiply(a.AsSpan<T>(), a.Shape[-1], TransposeA, b.AsSpan<T>(), b.Shape[-1], TransposeB, output.AsSpan<T>(), n, m, n, k,
                accumulate: false, epilogue);
        }

        /// <summary>A batched product's broadcast walk over the batch axes is worked out once per type, so compiled graphs
        /// (attention's per-head products) run it without allocating.</summary>
        public override OpKernel Prepare(ReadOnlySpan<TensorType> inputs, TensorType output)
        {
            if (inputs[0].Shape.Rank == 2 && inputs[1].Shape.Rank == 2)
            {
                return base.Prepare(inputs, output);
            }

            Shape batch = BatchOf(output.Shape);
            var walk = new BroadcastWalk(batch, BatchOf(inputs[0].Shape), BatchOf(inputs[1].Shape));
            return new BatchedKernel(this, walk);
        }

        private void Run(Tensor a, Tensor b, Tensor output, BroadcastWalk? walk, int[]? scratch)
        {
            if (output.DType == DType.Float32)
            {
                Run<float>(a, b, output, walk, scratch);
            }
            else
            {
                Run<double>(a, b, output, walk, scratch);
            }
        }

        public override Tensor?[] Backward(GradientContext context)
        {
            Tensor g = context.OutputGrad;
            Tensor a = context.Input(0), b = context.Input(1);
            Tensor? da = null, db = null;
            if (context.NeedsGrad(0))
            {
                da = TransposeA ? b.MatMul(g, TransposeB, true) : g.MatMul(b, false, !TransposeB);
            }

            if (context.NeedsGrad(1))
            {
                db = TransposeB ? g.MatMul(a, true, TransposeA) : a.MatMul(g, !TransposeA, false);
            }

            return [da, db];
        }

        private static Shape BatchOf(Shape s) => Shape.FromOwned(s.ToArray()[..^2]);

        private void Run<T>(Tensor a, Tensor b, Tensor output, BroadcastWalk? preparedWalk, int[]? scratch)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            Shape sa = a.Shape, sb = b.Shape;
            int m = output.Shape[-2], n = output.Shape[-1];
            int k = TransposeA ? sa[-2] : sa[-1];
            int lda = sa[-1], ldb = sb[-1];
            int strideA = sa[-2] * sa[-1], strideB = sb[-2] * sb[-1], strideC = m * n;
            ReadOnlySpan<T> x = a.AsSpan<T>(), y = b.AsSpan<T>();
            Span<T> c = output.AsSpan<T>();
            if (sa.Rank == 2 && sb.Rank == 2)
            {
                // One product: straight into the GEMM, with nothing to allocate (compiled graphs run this many times).
                Gemm.Multiply(x, lda, TransposeA, y, ldb, TransposeB, c, n, m, n, k, accumulate: false);
                return;
            }

            // The batch size is the output's size over its last two axes (no Shape built: this runs per compiled step).
            if (strideC == 0 || output.Shape.Size == 0)
            {
                return;
            }

            BroadcastWalk walk = preparedWalk ?? new BroadcastWalk(BatchOf(output.Shape), BatchOf(sa), BatchOf(sb));
            var cursor = scratch is null ? walk.Start() : walk.Start(scratch);
            int index = 0;
            for (int chunk = 0; chunk < walk.Count; chunk++, cursor.Next())
            {
                for (int t = 0; t < walk.Chunk; t++, index++)
                {
                    int ia = cursor.OffsetA + (walk.AFull ? t : 0);
                    int ib = cursor.OffsetB + (walk.BFull ? t : 0);
                    Gemm.Multiply(x.Slice(ia * strideA, strideA), lda, TransposeA, y.Slice(ib * strideB, strideB), ldb, TransposeB,
                        c.Slice(index * strideC, strideC), n, m, n, k, accumulate: false);
                }
            }
        }

        private sealed class BatchedKernel(MatMulOp op, BroadcastWalk walk) : OpKernel
        {
            private readonly int[] scratch = new int[walk.OuterRank];

            public override void Run(ReadOnlySpan<Tensor> inputs, Tensor output) => op.Run(inputs[0], inputs[1], output, walk, scratch);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Matrix product with NumPy semantics: 1-D·1-D is a dot product, a 1-D operand is treated as a row (left) or
        /// column (right) vector and that axis is removed from the result, and leading batch axes broadcast.
        /// </summary>
        /// <exception cref="ArgumentException">The inner dimensions differ or the batch axes do not broadcast; the message names both shapes.</exception>
        public Tensor MatMul(Tensor other)
        {
            if (Rank == 0 || other.Rank == 0)
            {
                throw new ArgumentException($"matmul: operands must have at least 1 axis, got {Shape} and {other.Shape}; use Mul for scalars.");
            }

            // Checked here, before 1-D operands are promoted, so the message shows the shapes the caller passed.
            int k = Shape[-1], k2 = other.Rank == 1 ? other.Shape[0] : other.Shape[-2];
            if (k != k2)
            {
                throw new ArgumentException(
                    $"matmul: shapes {Shape} and {other.Shape} are not aligned: the inner dimensions differ ({k} vs {k2}); " +
                    "the last axis of the first must equal the " + (other.Rank == 1 ? "length of the vector." : "second-to-last axis of the second."));
            }

            Tensor a = Rank == 1 ? Reshape(1, Shape[0]) : this;
            Tensor b = other.Rank == 1 ? other.Reshape(other.Shape[0], 1) : other;
            Tensor product = MatMulOp.Create(false, false).Apply(a, b);
            if (Rank > 1 && other.Rank > 1)
            {
                return product;
            }

            int[] dims = product.Shape.ToArray();
            var kept = new List<int>(dims.Length);
            for (int i = 0; i < dims.Length; i++)
            {
                bool dropRow = Rank == 1 && i == dims.Length - 2;
                bool dropColumn = other.Rank == 1 && i == dims.Length - 1;
                if (!dropRow && !dropColumn)
                {
                    kept.Add(dims[i]);
                }
            }

            return product.Reshape(Shape.FromOwned(kept.ToArray()));
        }

        /// <summary>Matrix product of the last two axes with optional transposition of either operand (done by the kernel, without copying).</summary>
        /// <exception cref="ArgumentException">The inner dimensions differ; the message names both shapes.</exception>
        public Tensor MatMul(Tensor other, bool transposeThis, bool transposeOther) =>
            MatMulOp.Create(transposeThis, transposeOther).Apply(this, other);
    }
}
