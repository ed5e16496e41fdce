using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>σ(x) = 1/(1 + e^(−x)). Gradient: g·y·(1 − y), reusing the output y.</summary>
    internal sealed class SigmoidOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly SigmoidOp Instance = new();

        public override string Name => "sigmoid";

        internal override bool OutputsProbabilities => true;

        public override SavedValues Saves => SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var y = context.Output;
            return [context.OutputGrad.Mul(y.Mul(y.RSub(1.0)))];
        }

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination)
        {
            // Unlike the other TensorPrimitives routines, Sigmoid throws on empty spans; an empty tensor has nothing to do.
            if (!x.IsEmpty)
            {
                TensorPrimitives.Sigmoid(x, destination);
            }
        }

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.UnarySpan<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnarySpanLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => T.One / (T.One + T.Exp(-x));

            public Vector<T> Invoke(Vector<T> x) => Vector<T>.One / (Vector<T>.One + VectorMath<T>.Exp(-x));

            public void Invoke(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Sigmoid(x, destination);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise logistic sigmoid 1/(1 + e^(−x)), in (0, 1).</summary>
        public Tensor Sigmoid() => SigmoidOp.Instance.Apply(this);
    }
}
