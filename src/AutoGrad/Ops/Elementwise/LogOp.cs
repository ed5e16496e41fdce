using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>ln x. Gradient: g / x.</summary>
    internal sealed class LogOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly LogOp Instance = new();

        public override string Name => "log";

        public override SavedValues Saves => SavedValues.Input0;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Div(context.Input(0))];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Log(x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.UnarySpan<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnarySpanLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => T.Log(x);

            public Vector<T> Invoke(Vector<T> x) => VectorMath<T>.Log(x);

            public void Invoke(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Log(x, destination);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise natural logarithm (NaN below 0, −∞ at 0).</summary>
        public Tensor Log() => LogOp.Instance.Apply(this);
    }
}
