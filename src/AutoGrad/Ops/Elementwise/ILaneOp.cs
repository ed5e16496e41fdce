using System.Numerics;
using AutoGrad.Kernels;

namespace AutoGrad.Ops.Elementwise;

/// <summary>
/// The trait of an elementwise op whose kernel is also written per element and per <see cref="Vector{T}"/> (its lane,
/// an <see cref="IUnaryLane{T}"/> or <see cref="IBinaryLane{T}"/> struct declared in the op's own file). A fused
/// elementwise kernel runs a whole chain of such ops in one loop, each instruction on a register-sized block; a chain
/// with an op lacking the trait runs tile by tile through each op's span kernel instead.
/// </summary>
/// <remarks>
/// A lane must give what the op's span kernel gives. Arithmetic, min/max (IEEE 754 maximum/minimum: NaN propagating,
/// −0 &lt; +0, as TensorPrimitives), comparisons, sign and square roots are exact in both forms, so a fused chain of them
/// equals the unfused ops bit for bit. The transcendental lanes (exp, log, sigmoid, tanh) are compute-bound, so they also
/// give a span form (<see cref="IUnarySpanLane{T}"/>: the op's TensorPrimitives routine, run on each block at the widest
/// vector the machine has); their per-vector forms use the runtime's vector math (<c>Vector.Exp</c>, <c>Vector.Log</c>),
/// and per element they use the scalar functions TensorPrimitives itself falls back to. Where the fused loop and the
/// unfused kernel take different paths for an element they agree to an ulp or so; the documented bound, tested on random
/// programs, is a relative 1e-6 for float32 and 1e-14 for float64.
/// </remarks>
internal interface ILaneOp
{
    /// <summary>The op's lane wrapped in its vector loops, for element type <typeparamref name="T"/>.</summary>
    LaneStep<T> CreateLaneStep<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;
}
