using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// where(condition, a, b): a where the bool condition is true, else b, broadcasting all three together. Gradient: where(c, g, 0)
    /// to a and where(c, 0, g) to b — a select, not g·mask, so a NaN or ∞ gradient from the branch not taken stays out —
    /// and none to the condition.
    /// </summary>
    internal sealed class WhereOp : Op
    {
        public static readonly WhereOp Instance = new();

        public override string Name => "where";

        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.Elementwise(inputs, inputTypes, output);

        public override SavedValues Saves => SavedValues.Input0;

        /// <summary>The two value operands are promoted to one dtype (PyTorch's type promotion).</summary>
        internal override int? PromotedFrom => 1;

        /// <summary>The condition is checked in <see cref="InferType"/> (it must be bool); the values may have any dtype.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            if (inputs[0].DType != DType.Bool)
            {
                throw new ArgumentException(
                    $"{Name}: the condition is {inputs[0]}, but it must be a bool tensor (as in PyTorch). " +
                    "Convert a 0/1 mask with mask.To(DType.Bool) or mask.NotEqual(0); comparisons (Greater, Equal, ...) already give bool.");
            }

            DType dtype = ShapeChecks.SameDType(Name, inputs[1], inputs[2]);
            Shape values = ShapeChecks.Broadcast(Name, inputs[1].Shape, inputs[2].Shape);
            Shape shape;
            try
            {
                shape = ShapeChecks.Broadcast(Name, inputs[0].Shape, values);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException(
                    $"{Name}: condition shape {inputs[0].Shape} does not broadcast with the value shapes {inputs[1].Shape} and {inputs[2].Shape} " +
                    $"(which broadcast to {values}).");
            }

            return new TensorType(shape, dtype);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => Run(inputs, output, null);

        /// <summary>Operands that broadcast are expanded into buffers made once per type, so a compiled graph (masked
        /// attention, where's own gradient with its scalar zero) runs the op without allocating.</summary>
        public override OpKernel Prepare(ReadOnlySpan<TensorType> inputs, TensorType output)
        {
            var expansions = new Expansion?[3];
            for (int i = 0; i < 3; i++)
            {
                if (inputs[i].Shape != output.Shape)
                {
                    var walk = new BroadcastWalk(output.Shape, inputs[i].Shape, output.Shape);
                    expansions[i] = new Expansion((i == 0 ? DType.Bool : output.DType).Allocate(output.Shape.Size), walk, new int[walk.OuterRank]);
                }
            }

            return new WhereKernel(expansions);
        }

        private static void Run(ReadOnlySpan<Tensor> inputs, Tensor output, Expansion?[]? scratch)
        {
            switch (output.DType)
            {
                case DType.Float32: Run<float>(inputs, output, scratch); break;
                case DType.Float64: Run<double>(inputs, output, scratch); break;
                case DType.Int64: Run<long>(inputs, output, scratch); break;
                case DType.Int32: Run<int>(inputs, output, scratch); break;
                case DType.Bool: Run<bool>(inputs, output, scratch); break;
                default: Run<byte>(inputs, output, scratch); break;
            }
        }

        public override Tensor?[] Backward(GradientContext context)
        {
            var condition = context.Input(0);
            var g = context.OutputGrad;
            var zero = Tensor.Scalar(0.0, g.DType);
            return
            [
                null,
                context.NeedsGrad(1) ? Tensor.Where(condition, g, zero) : null,
                context.NeedsGrad(2) ? Tensor.Where(condition, zero, g) : null,
            ];
        }

        private static void Run<T>(ReadOnlySpan<Tensor> inputs, Tensor output, Expansion?[]? scratch)
            where T : unmanaged
        {
            Shape shape = output.Shape;
            ReadOnlySpan<bool> c = Expanded<bool>(inputs[0], shape, scratch?[0]);
            ReadOnlySpan<T> x = Expanded<T>(inputs[1], shape, scratch?[1]);
            ReadOnlySpan<T> y = Expanded<T>(inputs[2], shape, scratch?[2]);
            Select.Where(c, x, y, output.AsSpan<T>());
        }

        /// <summary>The operand itself when it has the output's shape, else broadcast into the prepared buffer (a new array in eager calls).</summary>
        private static ReadOnlySpan<T> Expanded<T>(Tensor t, Shape shape, Expansion? prepared)
            where T : unmanaged
        {
            if (t.Shape == shape)
            {
                return t.AsSpan<T>();
            }

            if (prepared is null)
            {
                var expanded = new T[shape.Size];
                Select.Expand<T>(t.AsSpan<T>(), t.Shape, expanded, shape);
                return expanded;
            }

            var buffer = (T[])prepared.Buffer;
            Select.Expand<T>(t.AsSpan<T>(), buffer, prepared.Walk, prepared.Cursor);
            return buffer;
        }

        /// <summary>Where one broadcasting operand is expanded to in a compiled graph, with its walk and cursor scratch.</summary>
        private sealed record Expansion(Array Buffer, BroadcastWalk Walk, int[] Cursor);

        private sealed class WhereKernel(Expansion?[] scratch) : OpKernel
        {
            public override void Run(ReadOnlySpan<Tensor> inputs, Tensor output) => WhereOp.Run(inputs, output, scratch);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Picks <paramref name="a"/> where the bool <paramref name="condition"/> is true and <paramref name="b"/> elsewhere,
        /// broadcasting all three (NumPy <c>where</c>). Gradients flow to a and b only where each was picked; the
        /// condition gets none. <paramref name="a"/> and <paramref name="b"/> are promoted to one dtype.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast, or the condition is not bool (convert a 0/1 mask
        /// with <c>mask.To(DType.Bool)</c> or <c>mask.NotEqual(0)</c>).</exception>
        public static Tensor Where(Tensor condition, Tensor a, Tensor b) => WhereOp.Instance.Apply(condition, a, b);
    }
}
