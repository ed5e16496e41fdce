using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Elementwise;

/// <summary>Seeded random broadcast-compatible shapes, each op checked against a naive index-by-index reference.</summary>
public class BroadcastingPropertyTests
{
    private const int Trials = 150;

    public static TheoryData<string> Ops() => new() { "add", "sub", "mul", "div", "pow", "maximum", "minimum", "greater", "equal", "where" };

    [Theory]
    [MemberData(nameof(Ops))]
    public void BinaryOp_RandomBroadcastCompatibleShapes_MatchesNaiveReference(string op)
    {
        var generator = new Generator(op.Sum(c => (long)c));
        for (int trial = 0; trial < Trials; trial++)
        {
            int rank = (int)generator.NextInt(0, 5);
            var output = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                output[i] = (int)generator.NextInt(1, 5);
            }

            Shape[] shapes = [Derive(output, generator), Derive(output, generator), Derive(output, generator)];
            // Positive, small-integer-ish values: valid pow bases, frequent ties for maximum/equal, non-zero divisors.
            Tensor[] operands = shapes.Select(s => Tensor.RandInt(1, 4, s, generator, DType.Float64)).ToArray();
            Tensor result = Apply(op, operands);

            string context = $"{op} trial {trial}: shapes {string.Join(" · ", shapes.Select(s => s.ToString()))}";
            Shape expectedShape = op == "where" ? ShapeChecks.Broadcast("t", ShapeChecks.Broadcast("t", shapes[0], shapes[1]), shapes[2]) : ShapeChecks.Broadcast("t", shapes[0], shapes[1]);
            Assert.True(result.Shape == expectedShape, $"{context}: result shape {result.Shape}, expected {expectedShape}");
            int[] dims = result.Shape.ToArray();
            var index = new int[dims.Length];
            for (int flat = 0; flat < result.Size; flat++)
            {
                double[] values = operands.Take(op == "where" ? 3 : 2).Select(t => ValueAt(t, index)).ToArray();
                double expected = Reference(op, values);
                Assert.True(Math.Abs(result.GetFlat(flat) - expected) <= 1e-12 * Math.Max(1, Math.Abs(expected)),
                    $"{context}: element {flat} is {result.GetFlat(flat):R}, expected {expected:R}");
                Increment(index, dims);
            }
        }
    }

    private static Tensor Apply(string op, Tensor[] x) => op switch
    {
        "add" => x[0].Add(x[1]),
        "sub" => x[0].Sub(x[1]),
        "mul" => x[0].Mul(x[1]),
        "div" => x[0].Div(x[1]),
        "pow" => x[0].Pow(x[1]),
        "maximum" => x[0].Maximum(x[1]),
        "minimum" => x[0].Minimum(x[1]),
        "greater" => x[0].Greater(x[1]),
        "equal" => x[0].Equal(x[1]),
        _ => Tensor.Where(x[0].Greater(2.0), x[1], x[2]),
    };

    private static double Reference(string op, double[] v) => op switch
    {
        "add" => v[0] + v[1],
        "sub" => v[0] - v[1],
        "mul" => v[0] * v[1],
        "div" => v[0] / v[1],
        "pow" => Math.Pow(v[0], v[1]),
        "maximum" => Math.Max(v[0], v[1]),
        "minimum" => Math.Min(v[0], v[1]),
        "greater" => v[0] > v[1] ? 1 : 0,
        "equal" => v[0] == v[1] ? 1 : 0,
        _ => v[0] > 2.0 ? v[1] : v[2],
    };

    /// <summary>A shape that broadcasts to <paramref name="output"/>: some leading axes dropped, some axes set to 1.</summary>
    private static Shape Derive(int[] output, Generator generator)
    {
        int drop = (int)generator.NextInt(0, output.Length + 1);
        int[] dims = output[drop..];
        for (int i = 0; i < dims.Length; i++)
        {
            if (generator.NextDouble() < 0.4)
            {
                dims[i] = 1;
            }
        }

        return new Shape(dims);
    }

    /// <summary>The element of a broadcast operand at a full output index (right-aligned, size-1 axes repeat).</summary>
    private static double ValueAt(Tensor t, int[] outputIndex)
    {
        int offset = outputIndex.Length - t.Rank;
        int flat = 0;
        for (int axis = 0; axis < t.Rank; axis++)
        {
            int i = t.Shape[axis] == 1 ? 0 : outputIndex[axis + offset];
            flat = (flat * t.Shape[axis]) + i;
        }

        return t.GetFlat(flat);
    }

    private static void Increment(int[] index, int[] dims)
    {
        for (int axis = dims.Length - 1; axis >= 0; axis--)
        {
            if (++index[axis] < dims[axis])
            {
                return;
            }

            index[axis] = 0;
        }
    }
}
