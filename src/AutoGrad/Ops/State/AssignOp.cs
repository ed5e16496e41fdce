using AutoGrad.Ops.State;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.State
{
    /// <summary>
    /// assign(target, value): copies <c>value</c> (same shape, any float dtype) into <c>target</c> in place. The one op
    /// behind every state write that is not an optimizer update — running statistics, loaded weights, user buffers — so
    /// a traced function that updates state records the update, and a compiled graph performs it. Its output is an
    /// empty token; it has no gradient.
    /// </summary>
    internal sealed class AssignOp : Op
    {
        public static readonly AssignOp Instance = new();

        public override string Name => "assign";

        public override OpEffect Effect => OpEffect.WritesState;

        public override IReadOnlyList<int> WrittenInputs => [0];

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            if (inputs[1].Shape != inputs[0].Shape)
            {
                throw new ArgumentException($"{Name}: the value has shape {inputs[1].Shape} but the target has shape {inputs[0].Shape}.");
            }

            return StateToken.Type(inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Tensor target = inputs[0], value = inputs[1];
            if (value.DType == target.DType)
            {
                value.CopyTo(target);
            }
            else if (target.DType == DType.Float32)
            {
                Span<float> destination = target.AsSpan<float>();
                ReadOnlySpan<double> source = value.AsSpan<double>();
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)source[i];
                }
            }
            else
            {
                Span<double> destination = target.AsSpan<double>();
                ReadOnlySpan<float> source = value.AsSpan<float>();
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = source[i];
                }
            }
        }

        /// <summary>One element moved per target element.</summary>
        public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) => new(0, DefaultBytes(inputs, output));

        public override Tensor?[] Backward(GradientContext context) => throw new InvalidOperationException($"{Name} has no gradient.");
    }

    /// <summary>The output of an op that writes state: an empty tensor that only marks that the write happened.</summary>
    internal static class StateToken
    {
        public static TensorType Type(DType dtype) => new(new Shape(0), dtype);
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Copies <paramref name="source"/> (same shape, any dtype) into this tensor, in place, through the
        /// <c>assign</c> op: inside <c>Graph.Trace</c> the write is recorded (and performed by the compiled graph), so a
        /// layer that updates a buffer this way traces correctly. Returns this tensor.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes differ.</exception>
        /// <exception cref="InvalidOperationException">This tensor requires grad and gradients are being recorded.</exception>
        public Tensor Assign(Tensor source)
        {
            ArgumentNullException.ThrowIfNull(source);
            AssignOp.Instance.Apply(this, source);
            return this;
        }
    }
}
