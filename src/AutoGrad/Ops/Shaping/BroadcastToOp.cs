using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Shaping;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping
{
    /// <summary>Repeats a tensor along size-1 and new leading axes (NumPy rules). Gradient: sum back to the input shape.</summary>
    internal sealed class BroadcastToOp(Shape shape) : Op
    {
        public override string Name => "broadcast_to";

        public override bool IsBroadcast => true;

        public override IReadOnlyList<string> ShapeAttributes => ["shape"];

        public override Op WithShapeAttribute(string key, Shape value) => key == "shape" ? new BroadcastToOp(value) : base.WithShapeAttribute(key, value);

        /// <summary>A copy: no arithmetic, the input read and the output written.</summary>
        public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) => new(0, DefaultBytes(inputs, output));

        /// <inheritdoc/>
        protected internal override bool ForwardWritesEveryElement => true;

        public Shape TargetShape { get; } = shape;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("shape", TargetShape)];

        /// <summary>Moves elements of any dtype (integers, bools) unchanged.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            ShapeChecks.BroadcastableTo(Name, inputs[0].Shape, TargetShape);
            return new TensorType(TargetShape, inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) =>
            Run(inputs[0], output, new BroadcastWalk(output.Shape, inputs[0].Shape, output.Shape), null);

        /// <summary>The walk over the input is worked out once, for every run.</summary>
        public override OpKernel Prepare(ReadOnlySpan<TensorType> inputs, TensorType output) =>
            new ExpandKernel(new BroadcastWalk(output.Shape, inputs[0].Shape, output.Shape));

        private static void Run(Tensor input, Tensor output, BroadcastWalk walk, int[]? scratch)
        {
            switch (output.DType.ElementSize())
            {
                case 1: Expand<byte>(input, output, walk, scratch); break;
                case 4: Expand<int>(input, output, walk, scratch); break;
                default: Expand<long>(input, output, walk, scratch); break;
            }
        }

        public override Tensor?[] Backward(GradientContext context) => [context.OutputGrad.SumTo(context.InputType(0).Shape)];

        private static void Expand<T>(Tensor input, Tensor output, BroadcastWalk walk, int[]? scratch)
            where T : unmanaged => Select.Expand(input.Raw<T>(), output.Raw<T>(), walk, scratch);

        private sealed class ExpandKernel(BroadcastWalk walk) : OpKernel
        {
            private readonly int[] scratch = new int[walk.OuterRank];

            public override void Run(ReadOnlySpan<Tensor> inputs, Tensor output) => BroadcastToOp.Run(inputs[0], output, walk, scratch);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Repeats the tensor to <paramref name="shape"/> following NumPy broadcasting.</summary>
        /// <exception cref="ArgumentException">The tensor does not broadcast to that shape; the message says which axis.</exception>
        public Tensor BroadcastTo(Shape shape) => shape == Shape ? this : new BroadcastToOp(shape).Apply(this);
    }
}
