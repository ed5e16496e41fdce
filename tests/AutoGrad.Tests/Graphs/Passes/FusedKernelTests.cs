using System.Collections.Immutable;
using AutoGrad.Graphs.Passes;
using AutoGrad.Ops;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

/// <summary>
/// Random fused programs against the unfused ops: each instruction's own Forward into a full-size tensor is the reference,
/// and the fused loop (at several block lengths) and the tile path must reproduce it.
/// </summary>
public class FusedKernelTests
{
    // Ops whose lane is exact in both forms: the fused result must equal the unfused one bit for bit.
    private static readonly Op[] ExactUnary =
    [
        NegOp.Instance, AbsOp.Instance, ReluOp.Instance, new LeakyReluOp(0.1), new LeakyReluOp(3.0), new ClampOp(-0.5, 1.0),
        new ClampOp(null, 0.25), new ClampOp(0.0, null), SqrtOp.Instance, RsqrtOp.Instance, SignOp.Instance,
    ];

    private static readonly Op[] ExactBinary =
    [
        // Comparisons give bool tensors, so they never join a (floating-point) fused program.
        AddOp.Instance, SubOp.Instance, MulOp.Instance, DivOp.Instance, ExtremumOp.Maximum, ExtremumOp.Minimum,
    ];

    private static readonly Op[] Transcendental = [ExpOp.Instance, LogOp.Instance, SigmoidOp.Instance, TanhOp.Instance];

    private static readonly int[] Lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257, 300];

    // Shapes whose broadcast inputs take every read: rows and columns long enough to read in place (≥ 64), short ones that
    // are gathered, a middle-axis pattern, and sizes past one block.
    private static readonly int[][] LargeShapes = [[5, 128], [40, 3], [4, 3, 70], [3, 700], [1100, 2], [2, 5, 513], [20011]];

    public static TheoryData<int, bool, bool> Cases()
    {
        var data = new TheoryData<int, bool, bool>();
        for (int seed = 0; seed < 4; seed++)
        {
            data.Add(seed, false, false);
            data.Add(seed, true, false);
            data.Add(seed, false, true);
            data.Add(seed, true, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Execute_RandomPrograms_EqualUnfusedOps(int seed, bool float64, bool transcendental)
    {
        var random = new Random(seed);
        DType dtype = float64 ? DType.Float64 : DType.Float32;
        IEnumerable<int[]> shapes = Lengths.Select(n => RandomShape(n, random)).Concat(LargeShapes);
        foreach (int[] dims in shapes)
        {
            var output = new Shape(dims);
            (ImmutableArray<FusedInstruction> program, Tensor[] inputs) = RandomProgram(output, dtype, transcendental, random);
            Tensor expected = Unfused(program, inputs);
            Assert.Equal(output, expected.Shape);
            TensorType[] types = [.. inputs.Select(t => t.Type)];
            foreach ((bool tiles, int block) in new[] { (false, 512), (false, 8), (false, 100), (true, 0) })
            {
                var kernel = new FusedKernel(program, types, expected.Type, tiles, Math.Max(block, 1));
                Assert.Equal(!tiles, kernel.IsLoop);
                var actual = new Tensor(output, dtype);
                kernel.Execute(inputs, actual);
                string what = $"{string.Join("; ", program)} on [{string.Join(",", dims)}] {dtype}, {(tiles ? "tiles" : $"block {block}")}";
                AssertSame(expected, actual, transcendental, what);
            }
        }
    }

    [Fact]
    public void Execute_OpWithoutLane_FallsBackToTilesWithSameResult()
    {
        var output = new Shape(3, 50);
        ImmutableArray<FusedInstruction> program = [new(SoftplusOp.Instance, [new(false, 0)]), new(AddOp.Instance, [new(true, 0), new(false, 1)])];
        Tensor[] inputs = [Tensor.RandN([3, 50], new Generator(1)), Tensor.RandN([50], new Generator(2))];
        var kernel = new FusedKernel(program, [.. inputs.Select(t => t.Type)], new TensorType(output, DType.Float32));
        Assert.False(kernel.IsLoop);
        var actual = new Tensor(output, DType.Float32);
        kernel.Execute(inputs, actual);
        AssertSame(Unfused(program, inputs), actual, transcendental: false, "softplus then add");
    }

    [Fact]
    public void Execute_OutputSharesBufferWithFullInput_ReadsBeforeWriting()
    {
        // The memory planner may run a fused node in place over a dead full-size input.
        var output = new Shape(7, 130);
        ImmutableArray<FusedInstruction> program =
        [
            new(MulOp.Instance, [new(false, 0), new(false, 1)]), new(AddOp.Instance, [new(true, 0), new(false, 0)]), new(ReluOp.Instance, [new(true, 1)]),
        ];
        Tensor x = Tensor.RandN(output.ToArray(), new Generator(3));
        Tensor w = Tensor.RandN([130], new Generator(4));
        Tensor expected = Unfused(program, [x, w]);
        new FusedKernel(program, [x.Type, w.Type], x.Type).Execute([x, w], x);
        AssertSame(expected, x, transcendental: false, "in place");
    }

    private static int[] RandomShape(int n, Random random)
    {
        if (n == 0)
        {
            return random.Next(2) == 0 ? [0] : [3, 0];
        }

        // Split n into up to three factors, so row, column and middle broadcasts all have somewhere to apply.
        var divisors = Enumerable.Range(1, n).Where(d => n % d == 0).ToArray();
        int last = divisors[random.Next(divisors.Length)];
        int rest = n / last;
        var restDivisors = Enumerable.Range(1, rest).Where(d => rest % d == 0).ToArray();
        int middle = restDivisors[random.Next(restDivisors.Length)];
        return random.Next(3) switch
        {
            0 => [n],
            1 => [rest, last],
            _ => [rest / middle, middle, last],
        };
    }

    /// <summary>
    /// A random program over <paramref name="output"/> as the fusion pass builds them: every instruction's result has the
    /// output's shape (one operand is full-size) or is computed from one-element values only.
    /// </summary>
    private static (ImmutableArray<FusedInstruction>, Tensor[]) RandomProgram(Shape output, DType dtype, bool transcendental, Random random)
    {
        var inputs = new List<Tensor>();
        var generator = new Generator(random.Next());
        int AddInput(int[] dims)
        {
            // Values straddle zero so that relu, abs, sign, comparisons and the kinks all see both sides (and log/sqrt give NaN on some).
            inputs.Add(Tensor.Uniform(new Shape(dims), -2.0, 2.0, generator, dtype));
            return inputs.Count - 1;
        }

        int[] full = output.ToArray();
        int rank = full.Length;
        int[] Broadcast()
        {
            int pick = random.Next(6);
            return pick switch
            {
                0 => [],
                1 => full[^1..],
                2 when rank >= 2 => [.. full[..^1], 1],
                3 when rank >= 3 => [full[0], 1, full[2]],
                4 when rank >= 2 => [1, full[^1]],
                _ => full,
            };
        }

        var program = ImmutableArray.CreateBuilder<FusedInstruction>();
        var isFull = new List<bool>();
        FusedOperand FullOperand()
        {
            var fullTemps = Enumerable.Range(0, isFull.Count).Where(k => isFull[k]).ToArray();
            return fullTemps.Length > 0 && random.Next(3) != 0
                ? new FusedOperand(true, fullTemps[random.Next(fullTemps.Length)])
                : new FusedOperand(false, AddInput(full));
        }

        FusedOperand AnyOperand()
        {
            int pick = random.Next(4);
            if (pick == 0 && isFull.Count > 0)
            {
                return new FusedOperand(true, random.Next(isFull.Count));
            }

            return pick == 1 ? FullOperand() : new FusedOperand(false, AddInput(Broadcast()));
        }

        var tempTypes = new List<TensorType>();
        void Add(Op op, FusedOperand[] operands)
        {
            TensorType[] types = [.. operands.Select(o => o.IsTemporary ? tempTypes[o.Index] : inputs[o.Index].Type)];
            tempTypes.Add(op.InferType(types));
            isFull.Add(tempTypes[^1].Shape == output);
            program.Add(new FusedInstruction(op, [.. operands]));
        }

        int count = random.Next(1, 8);
        for (int k = 0; k < count; k++)
        {
            bool unary = random.Next(2) == 0;
            bool useTranscendental = transcendental && random.Next(3) == 0;
            if (unary || useTranscendental)
            {
                Op op = useTranscendental ? Transcendental[random.Next(Transcendental.Length)] : ExactUnary[random.Next(ExactUnary.Length)];

                // Now and then a one-element chain (a scalar computed once), which a later binary op broadcasts.
                FusedOperand operand = random.Next(6) == 0 ? new FusedOperand(false, AddInput([])) : FullOperand();
                Add(op, [operand]);
            }
            else
            {
                Op op = ExactBinary[random.Next(ExactBinary.Length)];
                FusedOperand a = FullOperand();
                FusedOperand b = AnyOperand();
                Add(op, random.Next(2) == 0 ? [a, b] : [b, a]);
            }
        }

        // The result must have the output's shape.
        if (!isFull[^1])
        {
            Add(AddOp.Instance, [new FusedOperand(true, isFull.Count - 1), new FusedOperand(false, AddInput(full))]);
        }

        return (program.ToImmutable(), [.. inputs]);
    }

    /// <summary>Each instruction's op run on its own into a full-size tensor (the graph without fusion).</summary>
    private static Tensor Unfused(ImmutableArray<FusedInstruction> program, Tensor[] inputs)
    {
        var temps = new Tensor[program.Length];
        for (int k = 0; k < program.Length; k++)
        {
            Tensor[] operands = [.. program[k].Operands.Select(o => o.IsTemporary ? temps[o.Index] : inputs[o.Index])];
            TensorType type = program[k].Op.InferType([.. operands.Select(t => t.Type)]);
            temps[k] = new Tensor(type.Shape, type.DType);
            program[k].Op.Forward(operands, temps[k]);
        }

        return temps[^1];
    }

    /// <summary>
    /// Bit for bit (NaN matching NaN) for exact ops. With exp, log, sigmoid or tanh in the program the lanes use the
    /// runtime's vector routines, which can differ from TensorPrimitives' by an ulp (float64 exp does); the documented
    /// bound is a relative 1e-6 (float32) or 1e-14 (float64) per element, which is what is asserted.
    /// </summary>
    private static void AssertSame(Tensor expected, Tensor actual, bool transcendental, string what)
    {
        double tolerance = !transcendental ? 0 : expected.DType == DType.Float32 ? 1e-6 : 1e-14;
        for (int i = 0; i < expected.Size; i++)
        {
            double e = expected.GetFlat(i), a = actual.GetFlat(i);
            bool same = (double.IsNaN(e) && double.IsNaN(a))
                || BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a)
                || (tolerance > 0 && double.IsFinite(e) && Math.Abs(a - e) <= tolerance * Math.Abs(e));
            Assert.True(same, $"element {i}: fused {a:R}, unfused {e:R} — {what}");
        }
    }
}
