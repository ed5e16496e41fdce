using AutoGrad.Data;
using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.IO;
using AutoGrad.NN.Losses;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Tensors;

/// <summary>
/// Int64, Int32, Bool and UInt8 tensors: creation and conversion, printing, the gradient and op-domain errors, PyTorch's
/// type promotion, every op that accepts integers against a plain C# loop, safetensors, and tracing with Int64 labels.
/// </summary>
public class IntegerTensorTests
{
    public static TheoryData<DType> IntegerDTypes() => [DType.Int64, DType.Int32, DType.UInt8];

    [Fact]
    public void FromArray_EachElementType_GivesItsDType()
    {
        Assert.Equal(DType.Int64, Tensor.FromArray(new long[] { 1, 2 }).DType);
        Assert.Equal(DType.Int32, Tensor.FromArray(new[] { 1, 2 }).DType);
        Assert.Equal(DType.Bool, Tensor.FromArray(new[] { true, false }).DType);
        Assert.Equal(DType.UInt8, Tensor.FromArray(new byte[] { 1, 255 }).DType);
        Assert.Equal(DType.Int64, Tensor.RandInt(0, 5, [3], new Generator(1)).DType);
        Assert.Equal(new[] { "i64", "i32", "bool", "u8" }, new[] { DType.Int64, DType.Int32, DType.Bool, DType.UInt8 }.Select(d => d.ShortName()));
    }

    [Fact]
    public void ToArrayAndItem_ConvertLikeACast()
    {
        long big = (1L << 53) + 1;
        var t = Tensor.FromArray(new[] { big, -3, 0 });
        Assert.Equal(new[] { big, -3, 0 }, t.ToArray<long>());                     // exact, not through double
        Assert.Equal(new[] { true, true, false }, t.ToArray<bool>());
        Assert.Equal(-3, t.Slice(0, 1, 2).Item<int>());
        Assert.Equal(new long[] { 2, -2, 0 }, Tensor.FromArray(new[] { 2.9, -2.9, double.NaN }).ToArray<long>());
        Assert.Equal(new byte[] { 44 }, Tensor.FromArray(new[] { 300 }).To(DType.UInt8).ToArray<byte>());   // wraps as C# and PyTorch do
    }

    [Fact]
    public void ToString_IntegersAndBools_PrintLikeNumPy()
    {
        Assert.Equal("[ 1 -2 30]", Tensor.FromArray(new long[] { 1, -2, 30 }).ToString());
        Assert.Equal("[[ True False]\n [False  True]]", Tensor.FromArray(new[] { true, false, false, true }, 2, 2).ToString());
        Assert.Equal("9007199254740993", Tensor.FromArray(new[] { (1L << 53) + 1 }).Reshape().ToString());
    }

    [Theory]
    [MemberData(nameof(IntegerDTypes))]
    [InlineData(DType.Bool)]
    public void RequiresGrad_OnANonFloatTensor_IsAClearError(DType dtype)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros([2], dtype).RequireGrad());
        Assert.Equal(
            $"Only floating-point tensors can require gradients; this one ('unnamed') is {dtype.ShortName()}[2]. " +
            "Convert it first (x.To(DType.Float32)) if it should be differentiated.",
            error.Message);
    }

    public static TheoryData<string, Func<Tensor>, string> UndefinedOps() => new()
    {
        { "exp", () => Tensor.FromArray(new long[] { 1 }).Exp(), "i64[1]" },
        { "matmul", () => Tensor.Ones([2, 2], DType.Bool).MatMul(Tensor.Ones([2, 2], DType.Bool)), "bool[2,2]" },
        { "pow", () => Tensor.FromArray(new[] { 2 }).Pow(Tensor.FromArray(new[] { 3 })), "i32[1]" },
        { "sub", () => Tensor.Ones([1], DType.Bool).Sub(Tensor.Ones([1], DType.Bool)), "bool[1]" },
        { "softmax", () => Tensor.FromArray(new long[] { 1, 2 }).Softmax(0), "i64[2]" },
    };

    [Theory]
    [MemberData(nameof(UndefinedOps))]
    public void Op_NotDefinedOnTheDType_NamesOpAndDType(string op, Func<Tensor> run, string type)
    {
        var error = Assert.Throws<ArgumentException>(() => run());
        Assert.StartsWith($"{op}: input 0 is {type}, but {op} is not defined for {type[..type.IndexOf('[')]} tensors; convert it first", error.Message);
    }

    public static TheoryData<DType, int, DType, int, DType> PromotionTable() => new()
    {
        // a, rank a, b, rank b, result (PyTorch's torch.result_type for tensors and 0-D tensors)
        { DType.Int64, 1, DType.Float32, 1, DType.Float32 },
        { DType.Int32, 1, DType.Int64, 1, DType.Int64 },
        { DType.UInt8, 1, DType.Int32, 1, DType.Int32 },
        { DType.Bool, 1, DType.UInt8, 1, DType.UInt8 },
        { DType.Bool, 1, DType.Float64, 1, DType.Float64 },
        { DType.Float32, 1, DType.Float64, 1, DType.Float64 },
        { DType.Int32, 1, DType.Int64, 0, DType.Int32 },     // a 0-D operand of the same kind does not widen
        { DType.Float32, 1, DType.Float64, 0, DType.Float32 },
        { DType.Int32, 0, DType.Float32, 0, DType.Float32 },
        { DType.Int64, 1, DType.Float64, 0, DType.Float64 },  // a higher kind wins even when 0-D
    };

    [Theory]
    [MemberData(nameof(PromotionTable))]
    public void Promote_FollowsPyTorch(DType a, int rankA, DType b, int rankB, DType expected)
    {
        Shape Of(int rank) => rank == 0 ? Shape.Scalar : new Shape(2);
        Assert.Equal(expected, DTypeExtensions.Promote(new TensorType(Of(rankA), a), new TensorType(Of(rankB), b)));
        Assert.Equal(expected, DTypeExtensions.Promote(new TensorType(Of(rankB), b), new TensorType(Of(rankA), a)));
        Tensor sum = Tensor.Ones(Of(rankA), a).Add(Tensor.Ones(Of(rankB), b));
        Assert.Equal(expected, sum.DType);
    }

    [Fact]
    public void Scalars_IntegerKeepsTheDType_DoubleAndDivisionGiveFloat()
    {
        var x = Tensor.FromArray(new long[] { 1, 2, 3 });
        Assert.Equal(DType.Int64, (x * 2 + 1).DType);
        Assert.Equal(new long[] { 3, 5, 7 }, (x * 2 + 1).ToArray<long>());
        Assert.Equal(new[] { 0.5f, 1, 1.5f }, x.Mul(0.5).ToArray());            // never a truncated 0
        Assert.Equal(new[] { 0.5f, 1, 1.5f }, x.Div(Tensor.FromArray(new long[] { 2 })).ToArray());
        Assert.Equal(DType.Float32, (x / 2).DType);
    }

    public static TheoryData<string, DType> ArithmeticCases()
    {
        var data = new TheoryData<string, DType>();
        foreach (string op in new[] { "add", "sub", "mul", "maximum", "minimum" })
        {
            foreach (DType dtype in new[] { DType.Int64, DType.Int32, DType.UInt8 })
            {
                data.Add(op, dtype);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ArithmeticCases))]
    public void BinaryArithmetic_BroadcastRowAgainstColumn_MatchesCSharpLoop(string op, DType dtype)
    {
        long[] column = [7, -3, 100], row = [2, 0, -5, 9];
        Tensor a = Tensor.FromArray(column, 3, 1).To(dtype), b = Tensor.FromArray(row).To(dtype);
        Tensor result = op switch
        {
            "add" => a.Add(b),
            "sub" => a.Sub(b),
            "mul" => a.Mul(b),
            "maximum" => a.Maximum(b),
            _ => a.Minimum(b),
        };
        Assert.Equal(dtype, result.DType);
        long[] x = a.ToArray<long>(), y = b.ToArray<long>(), actual = result.ToArray<long>();
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                long wide = op switch
                {
                    "add" => x[i] + y[j],
                    "sub" => x[i] - y[j],
                    "mul" => x[i] * y[j],
                    "maximum" => Math.Max(x[i], y[j]),
                    _ => Math.Min(x[i], y[j]),
                };
                long expected = dtype switch { DType.Int32 => (int)wide, DType.UInt8 => (byte)wide, _ => wide };
                Assert.Equal(expected, actual[(i * 4) + j]);
            }
        }
    }

    [Fact]
    public void UnaryAndBoolArithmetic_MatchCSharp()
    {
        var x = Tensor.FromArray(new[] { 5, -7, 0 });
        Assert.Equal(new[] { -5, 7, 0 }, x.Neg().ToArray<int>());
        Assert.Equal(new[] { 5, 7, 0 }, x.Abs().ToArray<int>());
        bool[] p = [true, true, false, false], q = [true, false, true, false];
        Tensor a = Tensor.FromArray(p), b = Tensor.FromArray(q);
        Assert.Equal(p.Zip(q, (u, v) => u || v), a.Add(b).ToArray<bool>());   // bool + bool is "or", as in PyTorch
        Assert.Equal(p.Zip(q, (u, v) => u && v), a.Mul(b).ToArray<bool>());
        Assert.Equal(DType.Bool, a.Mul(b).DType);
    }

    [Theory]
    [MemberData(nameof(IntegerDTypes))]
    [InlineData(DType.Bool)]
    public void Reductions_SumIsInt64_MaxMinKeepTheDType(DType dtype)
    {
        long[] values = [3, 0, 1, 1, 2, 0];
        Tensor x = Tensor.FromArray(values, 2, 3).To(dtype);
        long[] v = x.ToArray<long>();
        Tensor sum = x.Sum(1), max = x.Max(0), min = x.Min();
        Assert.Equal(DType.Int64, sum.DType);
        Assert.Equal(new[] { v[0] + v[1] + v[2], v[3] + v[4] + v[5] }, sum.ToArray<long>());
        Assert.Equal(dtype, max.DType);
        Assert.Equal(Enumerable.Range(0, 3).Select(j => Math.Max(v[j], v[3 + j])), max.ToArray<long>());
        Assert.Equal(v.Min(), min.ToArray<long>()[0]);
    }

    [Fact]
    public void ArgMaxArgMin_OfIntegers_AreInt64FirstIndexAtTies()
    {
        var x = Tensor.FromArray(new[] { 4, 9, 9, -1, -1, 2 }, 2, 3);
        Assert.Equal(new long[] { 1, 2 }, x.ArgMax(1).ToArray<long>());
        Assert.Equal(new long[] { 0, 0 }, x.ArgMin(1).ToArray<long>());
        Assert.Equal(DType.Int64, x.ArgMax(0).DType);
    }

    [Theory]
    [MemberData(nameof(IntegerDTypes))]
    [InlineData(DType.Bool)]
    public void ShapingAndIndexing_MoveValuesOfAnyDType(DType dtype)
    {
        long[] values = [1, 0, 2, 3, 0, 1];
        Tensor x = Tensor.FromArray(values, 2, 3).To(dtype);
        long[] v = x.ToArray<long>();
        Assert.Equal(new[] { v[0], v[3], v[1], v[4], v[2], v[5] }, x.Permute(1, 0).ToArray<long>());
        Assert.Equal(new[] { v[1], v[2], v[4], v[5] }, x.Slice(1, 1, 3).ToArray<long>());
        Assert.Equal([.. v, .. v], Tensor.Concat([x, x], 0).ToArray<long>());
        Assert.Equal(v, x.Reshape(3, 2).ToArray<long>());
        Assert.Equal([.. v[..3], .. v[..3]], x.Slice(0, 0, 1).BroadcastTo(new Shape(2, 3)).ToArray<long>());
        Assert.Equal(new[] { v[3], v[4], v[5], v[0], v[1], v[2] }, x.IndexSelect(0, Tensor.FromArray(new long[] { 1, 0 })).ToArray<long>());
        Assert.Equal(new[] { v[2], v[3] }, x.Gather(1, Tensor.FromArray(new long[] { 2, 0 }, 2, 1)).ToArray<long>());
        Assert.All(new[] { x.Permute(1, 0), x.Slice(1, 1, 3), x.IndexSelect(0, Tensor.FromArray(new[] { 0 })) }, t => Assert.Equal(dtype, t.DType));
    }

    [Fact]
    public void Cast_BetweenFloats_PassesTheGradientBack_IntoIntegers_None()
    {
        var x = Tensor.FromArray(new[] { 1.5, -2.0 }).RequireGrad();
        Tensor y = x.To(DType.Float32);
        Assert.True(y.RequiresGrad);
        y.Mul(Tensor.FromArray(new[] { 3f, 4f })).Sum().Backward();
        Assert.Equal(DType.Float64, x.Grad!.DType);
        Assert.Equal(new[] { 3.0, 4.0 }, x.Grad.ToArray<double>());
        Tensor i = x.To(DType.Int64);
        Assert.False(i.RequiresGrad);
        Assert.Equal(new long[] { 1, -2 }, i.ToArray<long>());
    }

    [Fact]
    public void SafeTensors_IntegerAndBoolEntries_RoundTrip()
    {
        Tensor[] tensors =
        [
            Tensor.FromArray(new[] { long.MinValue, (1L << 53) + 1, -1 }),
            Tensor.FromArray(new[] { int.MaxValue, -5 }, 2, 1),
            Tensor.FromArray(new[] { true, false, true }),
            Tensor.FromArray(new byte[] { 0, 128, 255 }),
        ];
        var entries = tensors.Select((t, k) => SafeTensorEntry.FromTensor($"t{k}", t)).ToList();
        Assert.Equal(new[] { "I64", "I32", "BOOL", "U8" }, entries.Select(e => e.DType));
        var read = SafeTensorsFile.Read(new MemoryStream(SafeTensorsFile.Serialize(entries))).Entries.OrderBy(e => e.Name).ToList();
        for (int k = 0; k < tensors.Length; k++)
        {
            Tensor back = read[k].ToTensor();
            Assert.Equal(tensors[k].Type, back.Type);
            Assert.Equal(tensors[k].ToArray<long>(), back.ToArray<long>());
        }
    }

    [Fact]
    public void SafeTensors_BoolByteOtherThanZeroOrOne_IsRejected()
    {
        var entry = new SafeTensorEntry("mask", SafeTensorDTypes.Bool, [2], [1, 7]);
        var read = SafeTensorsFile.Read(new MemoryStream(SafeTensorsFile.Serialize([entry]))).Entries[0];
        var error = Assert.Throws<InvalidDataException>(() => read.ToTensor());
        Assert.Equal("Tensor 'mask' (BOOL): byte 7 at element 1 is neither 0 nor 1.", error.Message);
    }

    [Fact]
    public void Trace_Int64Labels_AreAGraphInputAndRunLikeEager()
    {
        var loss = new CrossEntropy();
        Graph graph = Graph.Trace((p, t) => loss.Compute(p, t), TensorSpec.Batched(3), TensorSpec.Batched(DType.Int64));
        Assert.Equal(DType.Int64, graph.Inputs[1].Type.DType);
        Assert.DoesNotContain(graph.Constants, c => c.Value.DType == DType.Int64);
        var logits = Tensor.FromArray(new float[] { 1, 2, 3, 1, 0, -1 }, 2, 3);
        var labels = Tensor.FromArray(new long[] { 2, 0 });
        float eager = loss.Compute(logits, labels).Item();
        Assert.Equal(eager, graph.Run(logits, labels)[0].Item(), 6);
        Assert.Equal(eager, graph.Compile().Run(logits, labels)[0].Item(), 6);
        var other = Tensor.FromArray(new long[] { 0, 1 });
        Assert.Equal(loss.Compute(logits, other).Item(), graph.Compile().Run(logits, other)[0].Item(), 6);
    }

    [Fact]
    public void MnistSplit_Tensors_AreScaledFloatsRawBytesAndInt64Labels()
    {
        var split = new MnistSplit([0, 255, 51, 102], [7, 3], 2, 1, 2);
        Assert.Equal(new[] { 0f, 1, 0.2f, 0.4f }, split.ImagesTensor().ToArray());
        Tensor raw = split.ImagesTensor(raw: true);
        Assert.Equal(DType.UInt8, raw.DType);
        Assert.Equal(new byte[] { 0, 255, 51, 102 }, raw.ToArray<byte>());
        Tensor labels = split.LabelsTensor();
        Assert.Equal(DType.Int64, labels.DType);
        Assert.Equal(new long[] { 7, 3 }, labels.ToArray<long>());
    }
}
