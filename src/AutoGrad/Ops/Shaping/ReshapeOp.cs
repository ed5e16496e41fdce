using AutoGrad.Ops.Shaping;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping
{
    /// <summary>Same elements in the same row-major order, new shape. Gradient: reshape back.</summary>
    internal sealed class ReshapeOp(Shape shape) : Op
    {
        public override string Name => "reshape";

        public override bool ReinterpretsInput => true;

        public override IReadOnlyList<string> ShapeAttributes => ["shape"];

        public override Op WithShapeAttribute(string key, Shape value) => key == "shape" ? new ReshapeOp(value) : base.WithShapeAttribute(key, value);

        /// <summary>A reshape only renames the layout; a compiled graph aliases it, so it computes and moves nothing.</summary>
        public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) => default;

        /// <inheritdoc/>
        protected internal override bool ForwardWritesEveryElement => true;

        public Shape TargetShape { get; } = shape;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("shape", TargetShape)];

        /// <summary>Moves elements of any dtype (integers, bools) unchanged.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            if (inputs[0].Shape.Size != TargetShape.Size)
            {
                throw new ArgumentException($"reshape: cannot reshape {inputs[0].Shape} ({inputs[0].Shape.Size} elements) to {TargetShape} ({TargetShape.Size} elements).");
            }

            return new TensorType(TargetShape, inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => inputs[0].CopyTo(output);

        public override Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Reshape(context.InputType(0).Shape)];

        /// <summary>Resolves one −1 dimension from the element count.</summary>
        public static Shape Resolve(Shape input, int[] shape)
        {
            int unknown = -1;
            long known = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                if (shape[i] == -1)
                {
                    if (unknown >= 0)
                    {
                        throw new ArgumentException($"reshape: only one dimension can be -1, got ({string.Join(", ", shape)}).");
                    }

                    unknown = i;
                }
                else if (shape[i] < 0)
                {
                    throw new ArgumentException($"reshape: invalid dimension {shape[i]} in ({string.Join(", ", shape)}).");
                }
                else
                {
                    known *= shape[i];
                }
            }

            var resolved = (int[])shape.Clone();
            if (unknown >= 0)
            {
                if (known == 0 || input.Size % known != 0)
                {
                    throw new ArgumentException($"reshape: cannot reshape {input} ({input.Size} elements) to ({string.Join(", ", shape)}).");
                }

                resolved[unknown] = (int)(input.Size / known);
            }

            return new Shape(resolved);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>The same elements with a new shape; one dimension may be −1 to be inferred.</summary>
        /// <exception cref="ArgumentException">The element counts differ; the message names both shapes.</exception>
        public Tensor Reshape(params int[] shape) => Reshape(ReshapeOp.Resolve(Shape, shape));

        /// <summary>The same elements with a new shape.</summary>
        /// <exception cref="ArgumentException">The element counts differ; the message names both shapes.</exception>
        public Tensor Reshape(Shape shape) => shape == Shape ? this : new ReshapeOp(shape).Apply(this);
    }
}
