using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Elementwise;

public class ComparisonTests
{
    private static readonly double[] Left = [1, 2, 3, double.NaN, -0.0];
    private static readonly double[] Right = [2, 2, 2, 1, 0.0];

    private static readonly string[] Ops = ["greater", "greater_equal", "less", "less_equal", "equal", "not_equal"];

    public static TheoryData<string, DType> Cases() => Combine([DType.Float32, DType.Float64]);

    public static TheoryData<string, DType> AllNumericCases() => Combine([DType.Float32, DType.Float64, DType.Int64, DType.Int32, DType.UInt8]);

    private static TheoryData<string, DType> Combine(DType[] dtypes)
    {
        var data = new TheoryData<string, DType>();
        foreach (string op in Ops)
        {
            foreach (DType dtype in dtypes)
            {
                data.Add(op, dtype);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compare_KnownPairs_GivesIeeeMaskWithoutGradient(string op, DType dtype)
    {
        var a = Tensor.FromArray(Left).To(dtype).RequireGrad();
        var b = Tensor.FromArray(Right).To(dtype);
        Tensor mask = Apply(op, a, b);
        double[] expected = op switch
        {
            "greater" => [0, 0, 1, 0, 0],
            "greater_equal" => [0, 1, 1, 0, 1],
            "less" => [1, 0, 0, 0, 0],
            "less_equal" => [1, 1, 0, 0, 1],
            "equal" => [0, 1, 0, 0, 1],
            _ => [1, 0, 1, 1, 0],
        };
        Assert.Equal(expected, mask.ToArray<double>());
        Assert.Equal(DType.Bool, mask.DType);
        Assert.False(mask.RequiresGrad);
        Assert.Null(mask.GradFn);
    }

    [Theory]
    [MemberData(nameof(AllNumericCases))]
    public void Compare_EveryLengthUpTo260_MatchesScalarReference(string op, DType dtype)
    {
        var generator = new Generator(3);
        for (int length = 0; length <= 260; length++)
        {
            // Small integers so that equal pairs are frequent; the scalar right operand exercises the broadcast path.
            Tensor a = Tensor.RandInt(-2, 3, [length], generator, dtype);
            Tensor b = Tensor.RandInt(-2, 3, [length], generator, dtype);
            double scalar = Tensor.Scalar(generator.NextInt(-2, 3), dtype).ItemDouble();   // as the dtype holds it (u8 wraps)
            double[] x = a.ToArray<double>(), y = b.ToArray<double>();
            Assert.Equal(DType.Bool, Apply(op, a, b).DType);
            double[] vectorVector = Apply(op, a, b).ToArray<double>();
            double[] vectorScalar = Apply(op, a, Tensor.Scalar(scalar, dtype)).ToArray<double>();
            double[] scalarVector = Apply(op, Tensor.Scalar(scalar, dtype), b).ToArray<double>();
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(Reference(op, x[i], y[i]), vectorVector[i]);
                Assert.Equal(Reference(op, x[i], scalar), vectorScalar[i]);
                Assert.Equal(Reference(op, scalar, y[i]), scalarVector[i]);
            }
        }
    }

    [Fact]
    public void Greater_ScalarOverload_BroadcastsTheScalar()
    {
        double[] mask = Tensor.FromArray(new[] { -1.0, 0.0, 1.0 }).Greater(0.0).ToArray<double>();
        Assert.Equal(new[] { 0.0, 0.0, 1.0 }, mask);
    }

    [Fact]
    public void Less_RowAgainstColumn_BroadcastsToMatrix()
    {
        var column = Tensor.FromArray(new[] { 1.0, 3.0 }, 2, 1);
        var row = Tensor.FromArray(new[] { 0.0, 2.0, 4.0 });
        Tensor mask = column.Less(row);
        Assert.Equal(new[] { 2, 3 }, mask.Shape.ToArray());
        Assert.Equal(new[] { 0.0, 1, 1, 0, 0, 1 }, mask.ToArray<double>());
    }

    private static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "greater" => a.Greater(b),
        "greater_equal" => a.GreaterEqual(b),
        "less" => a.Less(b),
        "less_equal" => a.LessEqual(b),
        "equal" => a.Equal(b),
        _ => a.NotEqual(b),
    };

    private static double Reference(string op, double x, double y) => (op switch
    {
        "greater" => x > y,
        "greater_equal" => x >= y,
        "less" => x < y,
        "less_equal" => x <= y,
        "equal" => x == y,
        _ => x != y,
    }) ? 1.0 : 0.0;

    [Fact]
    public void Compare_IntegerWithFloat_PromotesToFloat()
    {
        // 2 < 2.5 only holds when the int64 operand is promoted to float, not when 2.5 is truncated to 2.
        Tensor mask = Tensor.FromArray(new long[] { 2, 3 }).Less(Tensor.FromArray(new[] { 2.5, 2.5 }));
        Assert.Equal(new[] { true, false }, mask.ToArray<bool>());
        Assert.Equal(new[] { true, false }, Tensor.FromArray(new long[] { 2, 3 }).Less(2.5).ToArray<bool>());
    }

    [Fact]
    public void Compare_Int64BeyondFloatPrecision_IsExact()
    {
        // 2^53 + 1 and 2^53 are equal as doubles; compared as int64 (a whole scalar keeps the integer dtype) they differ.
        long big = (1L << 53) + 1;
        Assert.Equal(new[] { false, true }, Tensor.FromArray(new[] { big, big - 1 }).Equal(9007199254740992.0).ToArray<bool>());
        Assert.Equal(new[] { true, false }, Tensor.FromArray(new[] { big, big - 1 }).Equal(Tensor.FromArray(new[] { big, big })).ToArray<bool>());
    }
}
