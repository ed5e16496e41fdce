using AutoGrad.Tensors;

namespace AutoGrad.NN.Initializers;

/// <summary>
/// Creates the initial value of a parameter. Fans follow the usual conventions: for a rank-2 shape
/// <c>[fanIn, fanOut]</c> (a Dense kernel); for rank ≥ 3 <c>[outChannels, inChannels, k…]</c> (a Conv kernel), with
/// fanIn = inChannels·∏k and fanOut = outChannels·∏k; for rank 1 both are the length.
/// </summary>
/// <remarks>
/// Randomness comes from the initializer's own <see cref="Generator"/> when it was given a seed, else from
/// <see cref="Generator.Default"/> at the time of the call (seed it with <see cref="Generator.ManualSeed"/>).
/// </remarks>
public abstract class Initializer
{
    private readonly Generator? generator;

    /// <summary>Creates an initializer; with a seed it has its own generator and gives the same values on every run.</summary>
    protected Initializer(long? seed = null) => generator = seed is { } s ? new Generator(s) : null;

    /// <summary>A new tensor of the given shape and dtype with initial values.</summary>
    public abstract Tensor Create(Shape shape, DType dtype = DType.Float32);

    /// <summary>
    /// <see cref="Create"/> for a layer's parameter. A layer built lazily inside <c>Graph.Trace</c> draws here; its draws
    /// make parameters (read by the graph at run time), not constants, so they do not stop a one-pass trace.
    /// </summary>
    internal Tensor CreateParameter(Shape shape, DType dtype)
    {
        using var permit = SymbolicExtents.AllowDraws();
        return Create(shape, dtype);
    }

    /// <summary>The generator to draw from.</summary>
    protected Generator Random => generator ?? Generator.Default;

    /// <summary>The fan-in and fan-out of a parameter shape (see the class remarks).</summary>
    public static (int FanIn, int FanOut) Fans(Shape shape)
    {
        switch (shape.Rank)
        {
            case 0:
                return (1, 1);
            case 1:
                return (shape[0], shape[0]);
            case 2:
                return (shape[0], shape[1]);
            default:
                int receptive = 1;
                for (int i = 2; i < shape.Rank; i++)
                {
                    receptive *= shape[i];
                }

                return (shape[1] * receptive, shape[0] * receptive);
        }
    }
}
