using AutoGrad.Differentiation;
using AutoGrad.Tensors;
using CsCheck;

namespace AutoGrad.Tests.Properties;

/// <summary>
/// Property-based tests (CsCheck): random shapes, axis sets, permutations, slices and values, each compared with the
/// index-by-index <see cref="Reference"/> and each gradient with float64 central differences (<see cref="GradCheck"/>).
/// A failure prints the shrunk case and the CsCheck seed that reproduces it (set the <c>CsCheck_Seed</c> environment
/// variable to replay). Sizes stay small (rank ≤ 4, extents ≤ 4) so every property runs in well under a second or two.
/// </summary>
public class ShapePropertyTests
{
    private const int ValueIterations = 200;
    private const int GradientIterations = 40;

    // Values with rank 0..4 and extents 1..4, drawn from a seed so a shrunk case stays reproducible.
    private static readonly Gen<int[]> Shapes = Gen.Int[0, 4].SelectMany(rank => Gen.Int[1, 4].Array[rank]);
    private static readonly Gen<int> Seeds = Gen.Int[0, int.MaxValue];

    /// <summary>Two shapes that broadcast: a full shape, and a right-aligned suffix of it with some extents set to 1.</summary>
    private static readonly Gen<BroadcastCase> BroadcastCases =
        from full in Gen.Int[0, 4].SelectMany(rank => Gen.Int[0, 3].Array[rank])
        from drop in Gen.Int[0, full.Length]
        from onesInA in Gen.Bool.Array[full.Length]
        from onesInB in Gen.Bool.Array[full.Length]
        from swap in Gen.Bool
        from seed in Seeds
        let a = full.Select((d, i) => onesInA[i] ? 1 : d).ToArray()
        let b = full.Skip(drop).Select((d, i) => onesInB[i + drop] ? 1 : d).ToArray()
        select swap ? new BroadcastCase(b, a, seed) : new BroadcastCase(a, b, seed);

    /// <summary>A shape of rank ≥ 1 and a non-empty set of axes, some written negative, and keepDims.</summary>
    private static readonly Gen<ReductionCase> ReductionCases =
        from shape in Gen.Int[1, 4].SelectMany(rank => Gen.Int[1, 4].Array[rank])
        from chosen in Gen.Bool.Array[shape.Length]
        from first in Gen.Int[0, shape.Length - 1]
        from negative in Gen.Bool.Array[shape.Length]
        from keepDims in Gen.Bool
        from seed in Seeds
        let axes = Enumerable.Range(0, shape.Length).Where(axis => chosen[axis] || axis == first).ToArray()
        select new ReductionCase(shape, axes, axes.Select(axis => negative[axis] ? axis - shape.Length : axis).ToArray(), keepDims, seed);

    private static readonly Gen<PermuteCase> PermuteCases =
        from shape in Shapes
        from keys in Gen.Double.Array[shape.Length]
        from seed in Seeds
        select new PermuteCase(shape, Enumerable.Range(0, shape.Length).OrderBy(i => keys[i]).ThenBy(i => i).ToArray(), seed);

    /// <summary>A shape and another shape of the same size: its extents shuffled, neighbours merged, 1s inserted, maybe one −1.</summary>
    private static readonly Gen<ReshapeCase> ReshapeCases =
        from shape in Shapes
        from keys in Gen.Double.Array[shape.Length]
        from merge in Gen.Bool.Array[shape.Length]
        from ones in Gen.Int[0, 2]
        from infer in Gen.Bool
        from seed in Seeds
        select new ReshapeCase(shape, TargetShape(shape, keys, merge, ones, infer), seed);

    private static readonly Gen<SliceCase> SliceCases =
        from shape in Gen.Int[1, 4].SelectMany(rank => Gen.Int[1, 5].Array[rank])
        from axis in Gen.Int[0, shape.Length - 1]
        from start in Gen.Int[-6, 6]
        from stop in Gen.Int[-6, 6]
        from step in Gen.Int[1, 3]
        from seed in Seeds
        select new SliceCase(shape, axis, start, stop, step, seed);

    /// <summary>One to three parts sharing every extent but the joined axis.</summary>
    private static readonly Gen<ConcatCase> ConcatCases =
        from shape in Gen.Int[1, 4].SelectMany(rank => Gen.Int[1, 3].Array[rank])
        from axis in Gen.Int[0, shape.Length - 1]
        from extents in Gen.Int[1, 3].Array[1, 3]
        from negativeAxis in Gen.Bool
        from seed in Seeds
        select new ConcatCase(shape, axis, extents, negativeAxis, seed);

    [Fact]
    public void AddMulSubMaximum_RandomBroadcastPairs_MatchTheElementwiseReference()
    {
        BroadcastCases.Sample(c =>
        {
            Tensor a = Random(c.A, c.Seed);
            Tensor b = Random(c.B, c.Seed + 1);
            int[] shape = Reference.BroadcastShape(c.A, c.B);
            double[] av = a.ToArray<double>();
            double[] bv = b.ToArray<double>();
            AssertValues(shape, Reference.Broadcast(av, c.A, bv, c.B, (x, y) => x + y), a.Add(b));
            AssertValues(shape, Reference.Broadcast(av, c.A, bv, c.B, (x, y) => x * y), a.Mul(b));
            AssertValues(shape, Reference.Broadcast(av, c.A, bv, c.B, (x, y) => x - y), a.Sub(b));
            AssertValues(shape, Reference.Broadcast(av, c.A, bv, c.B, Math.Max), a.Maximum(b));
        }, iter: ValueIterations, threads: 1);
    }

    [Fact]
    public void AddMulDiv_RandomBroadcastPairs_GradientsMatchFiniteDifferences()
    {
        // Extents ≥ 1 here (an empty tensor has nothing to check); the divisor is kept away from 0.
        BroadcastCases.Where(c => c.A.All(d => d > 0) && c.B.All(d => d > 0)).Sample(c =>
        {
            Tensor a = Random(c.A, c.Seed);
            Tensor b = Random(c.B, c.Seed + 1);
            GradCheck.Assert(x => x[0].Mul(x[1]).Add(x[0]).Sub(x[1].Div(x[1].Square().Add(1.0))), [a, b]);
        }, iter: GradientIterations, threads: 1);
    }

    [Fact]
    public void SumMeanMax_RandomAxisSets_MatchTheReference()
    {
        ReductionCases.Sample(c =>
        {
            Tensor x = Random(c.Shape, c.Seed);
            double[] values = x.ToArray<double>();
            int[] shape = c.KeepDims ? Reference.KeepDimsShape(c.Shape, c.Axes) : Reference.DroppedShape(c.Shape, c.Axes);
            int count = c.Axes.Aggregate(1, (n, axis) => n * c.Shape[axis]);
            double[] sums = Reference.Reduce(values, c.Shape, c.Axes, 0.0, (acc, v) => acc + v);
            AssertValues(shape, sums, x.Sum(c.WrittenAxes, c.KeepDims), tolerance: 1e-12);
            AssertValues(shape, sums.Select(s => s / count).ToArray(), x.Mean(c.WrittenAxes, c.KeepDims), tolerance: 1e-12);
            AssertValues(shape, Reference.Reduce(values, c.Shape, c.Axes, double.NegativeInfinity, Math.Max), x.Max(c.WrittenAxes, c.KeepDims));
        }, iter: ValueIterations, threads: 1);
    }

    [Fact]
    public void SumMean_RandomAxisSets_GradientsMatchFiniteDifferences()
    {
        ReductionCases.Sample(c =>
        {
            Tensor x = Random(c.Shape, c.Seed);
            GradCheck.Assert(v => v[0].Sum(c.WrittenAxes, c.KeepDims).Tanh(), [x]);
            GradCheck.Assert(v => v[0].Mean(c.WrittenAxes, c.KeepDims).Square(), [x]);
        }, iter: GradientIterations, threads: 1);
    }

    [Fact]
    public void Permute_RandomPermutation_MatchesTheReferenceAndTheInverseRestoresTheInput()
    {
        PermuteCases.Sample(c =>
        {
            Tensor x = Random(c.Shape, c.Seed);
            Tensor permuted = x.Permute(c.Permutation);
            AssertValues(c.Permutation.Select(p => c.Shape[p]).ToArray(), Reference.Permute(x.ToArray<double>(), c.Shape, c.Permutation), permuted);
            int[] inverse = new int[c.Permutation.Length];
            for (int i = 0; i < inverse.Length; i++)
            {
                inverse[c.Permutation[i]] = i;
            }

            AssertValues(c.Shape, x.ToArray<double>(), permuted.Permute(inverse));
        }, iter: ValueIterations, threads: 1);
    }

    [Fact]
    public void Permute_RandomPermutation_GradientMatchesFiniteDifferences()
    {
        PermuteCases.Sample(c => GradCheck.Assert(v => v[0].Permute(c.Permutation).Tanh(), [Random(c.Shape, c.Seed)]), iter: GradientIterations, threads: 1);
    }

    [Fact]
    public void Reshape_RandomRegrouping_KeepsRowMajorOrderAndRoundTrips()
    {
        ReshapeCases.Sample(c =>
        {
            Tensor x = Random(c.Shape, c.Seed);
            Tensor reshaped = x.Reshape(c.Target);
            int[] resolved = c.Target.Select(d => d == -1 ? Reference.Size(c.Shape) / Reference.Size(c.Target.Where(t => t != -1).ToArray()) : d).ToArray();
            AssertValues(resolved, x.ToArray<double>(), reshaped);
            AssertValues(c.Shape, x.ToArray<double>(), reshaped.Reshape(c.Shape));
        }, iter: ValueIterations, threads: 1);
    }

    [Fact]
    public void Reshape_RandomRegrouping_GradientMatchesFiniteDifferences()
    {
        // A permute after the reshape makes the gradient depend on the reshape's element order, not just its size.
        ReshapeCases.Sample(c =>
        {
            int rank = c.Target.Length;
            int[] reverse = Enumerable.Range(0, rank).Reverse().ToArray();
            GradCheck.Assert(v => v[0].Reshape(c.Target).Permute(reverse).Tanh(), [Random(c.Shape, c.Seed)]);
        }, iter: GradientIterations, threads: 1);
    }

    [Fact]
    public void Slice_RandomBoundsAndStep_MatchPythonSemantics()
    {
        SliceCases.Sample(c =>
        {
            Tensor x = Random(c.Shape, c.Seed);
            (int start, int stop) = PythonBounds(c.Start, c.Stop, c.Shape[c.Axis]);
            (double[] expected, int[] shape) = Reference.Slice(x.ToArray<double>(), c.Shape, c.Axis, start, stop, c.Step);
            AssertValues(shape, expected, x.Slice(c.Axis, c.Start, c.Stop, c.Step));
        }, iter: ValueIterations, threads: 1);
    }

    [Fact]
    public void Slice_RandomBoundsAndStep_GradientMatchesFiniteDifferences()
    {
        SliceCases.Where(c => PythonBounds(c.Start, c.Stop, c.Shape[c.Axis]) is var (start, stop) && stop > start).Sample(
            c => GradCheck.Assert(v => v[0].Slice(c.Axis, c.Start, c.Stop, c.Step).Tanh(), [Random(c.Shape, c.Seed)]),
            iter: GradientIterations,
            threads: 1);
    }

    [Fact]
    public void Concat_RandomParts_SlicesBackIntoThePartsAndSplittingRestoresTheWhole()
    {
        ConcatCases.Sample(c =>
        {
            Tensor[] parts = c.PartShapes().Select((shape, i) => Random(shape, c.Seed + i)).ToArray();
            Tensor joined = Tensor.Concat(parts, c.WrittenAxis);
            int offset = 0;
            foreach (Tensor part in parts)
            {
                int extent = part.Shape[c.Axis];
                AssertValues(part.Shape.ToArray(), part.ToArray<double>(), joined.Slice(c.Axis, offset, offset + extent));
                offset += extent;
            }

            Assert.Equal(offset, joined.Shape[c.Axis]);

            // The other round trip: cut a tensor at the same offsets and join the pieces again.
            Tensor whole = Random(joined.Shape.ToArray(), c.Seed + 100);
            var pieces = new List<Tensor>();
            offset = 0;
            foreach (int extent in c.Extents)
            {
                pieces.Add(whole.Slice(c.Axis, offset, offset + extent));
                offset += extent;
            }

            AssertValues(whole.Shape.ToArray(), whole.ToArray<double>(), Tensor.Concat(pieces, c.Axis));
        }, iter: ValueIterations, threads: 1);
    }

    [Fact]
    public void Concat_RandomParts_GradientMatchesFiniteDifferences()
    {
        ConcatCases.Sample(c =>
        {
            Tensor[] parts = c.PartShapes().Select((shape, i) => Random(shape, c.Seed + i)).ToArray();
            GradCheck.Assert(v => Tensor.Concat(v, c.WrittenAxis).Tanh(), parts);
        }, iter: GradientIterations, threads: 1);
    }

    private static Tensor Random(int[] shape, int seed) => Tensor.RandN(shape, new Generator(seed), DType.Float64);

    private static void AssertValues(int[] expectedShape, double[] expected, Tensor actual, double tolerance = 0.0)
    {
        Assert.Equal(expectedShape, actual.Shape.ToArray());
        Assert.Equal(DType.Float64, actual.DType);
        double[] values = actual.ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = tolerance * Math.Max(1.0, Math.Abs(expected[i]));
            if (Math.Abs(expected[i] - values[i]) > allowed)
            {
                Assert.Fail($"element {i} of [{string.Join(",", expectedShape)}]: expected {expected[i]:R}, got {values[i]:R}");
            }
        }
    }

    /// <summary>Python's slice bounds: negative counts from the end, then both clamped into [0, extent].</summary>
    private static (int Start, int Stop) PythonBounds(int start, int stop, int extent)
    {
        int Clamp(int bound) => Math.Clamp(bound < 0 ? bound + extent : bound, 0, extent);
        return (Clamp(start), Clamp(stop));
    }

    private static int[] TargetShape(int[] shape, double[] keys, bool[] merge, int ones, bool infer)
    {
        int[] shuffled = Enumerable.Range(0, shape.Length).OrderBy(i => keys[i]).ThenBy(i => i).Select(i => shape[i]).ToArray();
        var target = new List<int>();
        for (int i = 0; i < shuffled.Length; i++)
        {
            if (merge[i] && target.Count > 0)
            {
                target[^1] *= shuffled[i];
            }
            else
            {
                target.Add(shuffled[i]);
            }
        }

        for (int i = 0; i < ones; i++)
        {
            target.Insert(i * target.Count / (ones + 1), 1);
        }

        if (infer && target.Count > 0)
        {
            target[target.Count / 2] = -1;
        }

        return target.ToArray();
    }

    /// <summary>Two broadcast-compatible shapes and the seed of their values.</summary>
    public sealed record BroadcastCase(int[] A, int[] B, int Seed)
    {
        /// <inheritdoc/>
        public override string ToString() => $"[{string.Join(",", A)}] ⊕ [{string.Join(",", B)}] seed {Seed}";
    }

    /// <summary>A reduction: the distinct non-negative axes, the same axes as written in the call (some negative), keepDims.</summary>
    public sealed record ReductionCase(int[] Shape, int[] Axes, int[] WrittenAxes, bool KeepDims, int Seed)
    {
        /// <inheritdoc/>
        public override string ToString() => $"[{string.Join(",", Shape)}] axes ({string.Join(",", WrittenAxes)}) keepDims {KeepDims} seed {Seed}";
    }

    /// <summary>A shape and a permutation of its axes.</summary>
    public sealed record PermuteCase(int[] Shape, int[] Permutation, int Seed)
    {
        /// <inheritdoc/>
        public override string ToString() => $"[{string.Join(",", Shape)}] permute ({string.Join(",", Permutation)}) seed {Seed}";
    }

    /// <summary>A shape and a target of the same size (possibly with one −1).</summary>
    public sealed record ReshapeCase(int[] Shape, int[] Target, int Seed)
    {
        /// <inheritdoc/>
        public override string ToString() => $"[{string.Join(",", Shape)}] reshape ({string.Join(",", Target)}) seed {Seed}";
    }

    /// <summary>Python-style slice arguments as the user writes them.</summary>
    public sealed record SliceCase(int[] Shape, int Axis, int Start, int Stop, int Step, int Seed)
    {
        /// <inheritdoc/>
        public override string ToString() => $"[{string.Join(",", Shape)}] axis {Axis} [{Start}:{Stop}:{Step}] seed {Seed}";
    }

    /// <summary>Parts with <paramref name="Shape"/> except extent <c>Extents[i]</c> on <paramref name="Axis"/>.</summary>
    public sealed record ConcatCase(int[] Shape, int Axis, int[] Extents, bool NegativeAxis, int Seed)
    {
        /// <summary>The axis as passed to Concat: sometimes counted from the end.</summary>
        public int WrittenAxis => NegativeAxis ? Axis - Shape.Length : Axis;

        /// <summary>The shape of each part.</summary>
        public IEnumerable<int[]> PartShapes() => Extents.Select(extent => Shape.Select((d, i) => i == Axis ? extent : d).ToArray());

        /// <inheritdoc/>
        public override string ToString() => $"[{string.Join(",", Shape)}] axis {WrittenAxis} extents ({string.Join(",", Extents)}) seed {Seed}";
    }
}
