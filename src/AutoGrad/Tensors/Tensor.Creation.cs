namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>A tensor over a copy of flat row-major float data with the given shape (1-D when no shape is given).</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static Tensor FromArray(float[] data, params int[] shape) =>
        new((float[])data.Clone(), shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));

    /// <summary>A float64 tensor over a copy of flat row-major data with the given shape (1-D when no shape is given).</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static Tensor FromArray(double[] data, params int[] shape) =>
        new((double[])data.Clone(), shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));

    /// <summary>An <see cref="DType.Int64"/> tensor over a copy of flat row-major data (1-D when no shape is given), as <c>torch.tensor([1, 2])</c> gives int64.</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static Tensor FromArray(long[] data, params int[] shape) => Copy(data, shape);

    /// <summary>An <see cref="DType.Int32"/> tensor over a copy of flat row-major data (1-D when no shape is given).</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static Tensor FromArray(int[] data, params int[] shape) => Copy(data, shape);

    /// <summary>A <see cref="DType.Bool"/> tensor over a copy of flat row-major data (1-D when no shape is given).</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static Tensor FromArray(bool[] data, params int[] shape) => Copy(data, shape);

    /// <summary>A <see cref="DType.UInt8"/> tensor over a copy of flat row-major data (1-D when no shape is given), e.g. raw pixels.</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static Tensor FromArray(byte[] data, params int[] shape) => Copy(data, shape);

    /// <summary>A 2-D float32 tensor from a rectangular array.</summary>
    public static Tensor FromArray(float[,] data) => From2D(data, DType.Float32);

    /// <summary>A 2-D float64 tensor from a rectangular array.</summary>
    public static Tensor FromArray(double[,] data) => From2D(data, DType.Float64);

    /// <summary>A 2-D float32 tensor from a jagged array whose rows all have the same length.</summary>
    /// <exception cref="ArgumentException">The rows differ in length.</exception>
    public static Tensor FromArray(float[][] rows) => FromJagged(rows, DType.Float32);

    /// <summary>A 2-D float64 tensor from a jagged array whose rows all have the same length.</summary>
    /// <exception cref="ArgumentException">The rows differ in length.</exception>
    public static Tensor FromArray(double[][] rows) => FromJagged(rows, DType.Float64);

    private static Tensor Copy<T>(T[] data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new((T[])data.Clone(), shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));
    }

    /// <summary>A 0-D (scalar) tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full(Shape.Scalar, value, dtype);

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32) => new(shape, dtype);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(Shape shape, DType dtype = DType.Float32) => Full(shape, 1.0, dtype);

    /// <summary>A tensor filled with one value.</summary>
    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32)
    {
        var t = new Tensor(shape, dtype);
        t.FillUnchecked(value);
        return t;
    }

    /// <summary>Zeros with this tensor's shape and dtype.</summary>
    public Tensor ZerosLike() => new(Shape, DType);

    /// <summary>Ones with this tensor's shape and dtype.</summary>
    public Tensor OnesLike() => Full(Shape, 1.0, DType);

    /// <summary>
    /// A 0-D constant for a C# <c>double</c> operand of a binary op: of this tensor's dtype when it is floating point, else
    /// float32, so that, as in PyTorch, an integer tensor times 0.5 is a float tensor (never a silently truncated 0).
    /// </summary>
    internal Tensor ScalarLike(double value) => Scalar(value, DType.IsFloatingPoint() ? DType : DType.Float32);

    /// <summary>A 0-D constant for a C# integer operand: of this tensor's dtype unless it is bool (then int64).</summary>
    internal Tensor ScalarLike(long value) => Scalar(value, DType == DType.Bool ? DType.Int64 : DType);

    /// <summary>
    /// A 0-D constant to compare with: a whole <paramref name="value"/> compares in this tensor's integer dtype (exact);
    /// otherwise as <see cref="ScalarLike(double)"/>. The result of a comparison is bool either way.
    /// </summary>
    internal Tensor ComparandLike(double value)
    {
        // Every whole double in [min, max] converts to the dtype exactly (2^63 itself does not fit an int64).
        (double min, double max) = DType switch
        {
            DType.Int64 => (-9223372036854775808.0, 9223372036854774784.0),
            DType.Int32 => (int.MinValue, int.MaxValue),
            DType.UInt8 => (0, 255),
            _ => (1, 0),
        };
        return double.IsInteger(value) && value >= min && value <= max ? Scalar(value, DType) : ScalarLike(value);
    }

    /// <summary>Values start, start+step, … below stop (like <c>numpy.arange</c>).</summary>
    /// <exception cref="ArgumentException">step is zero.</exception>
    public static Tensor Arange(double start, double stop, double step = 1.0, DType dtype = DType.Float32)
    {
        if (step == 0)
        {
            throw new ArgumentException("Arange: step must not be zero.", nameof(step));
        }

        int count = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        var t = new Tensor(new Shape(count), dtype);
        for (int i = 0; i < count; i++)
        {
            t.SetFlat(i, start + (i * step));
        }

        return t;
    }

    /// <summary>Values 0, 1, …, stop−1.</summary>
    public static Tensor Arange(int stop, DType dtype = DType.Float32) => Arange(0, stop, 1, dtype);

    /// <summary><paramref name="count"/> evenly spaced values from start to stop inclusive (like <c>numpy.linspace</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">count is negative.</exception>
    public static Tensor Linspace(double start, double stop, int count, DType dtype = DType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var t = new Tensor(new Shape(count), dtype);
        double step = count > 1 ? (stop - start) / (count - 1) : 0;
        for (int i = 0; i < count; i++)
        {
            t.SetFlat(i, i == count - 1 && count > 1 ? stop : start + (i * step));
        }

        return t;
    }

    /// <summary>An n×m matrix with ones on the diagonal (m defaults to n).</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        int columns = m ?? n;
        var t = new Tensor(new Shape(n, columns), dtype);
        for (int i = 0; i < Math.Min(n, columns); i++)
        {
            t.SetFlat((i * columns) + i, 1.0);
        }

        return t;
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="generator">The source of randomness; <see cref="Generator.Default"/> when null.</param>
    /// <param name="dtype">The element type.</param>
    public static Tensor Rand(Shape shape, Generator? generator = null, DType dtype = DType.Float32) =>
        Uniform(shape, 0.0, 1.0, generator, dtype);

    /// <summary>Uniform samples in [low, high).</summary>
    public static Tensor Uniform(Shape shape, double low, double high, Generator? generator = null, DType dtype = DType.Float32)
    {
        generator ??= Generator.Default;
        var t = new Tensor(shape, dtype);
        for (int i = 0; i < t.Size; i++)
        {
            t.SetFlat(i, generator.Uniform(low, high));
        }

        return t;
    }

    /// <summary>Normal samples with the given mean and standard deviation (standard normal by default).</summary>
    public static Tensor RandN(Shape shape, Generator? generator = null, DType dtype = DType.Float32, double mean = 0.0, double std = 1.0)
    {
        generator ??= Generator.Default;
        var t = new Tensor(shape, dtype);
        for (int i = 0; i < t.Size; i++)
        {
            t.SetFlat(i, mean + (std * generator.NextNormal()));
        }

        return t;
    }

    /// <summary>Uniform integers in [low, high), <see cref="DType.Int64"/> by default as <c>torch.randint</c>.</summary>
    /// <exception cref="ArgumentException">high is not above low.</exception>
    public static Tensor RandInt(long low, long high, Shape shape, Generator? generator = null, DType dtype = DType.Int64)
    {
        generator ??= Generator.Default;
        var t = new Tensor(shape, dtype);
        for (int i = 0; i < t.Size; i++)
        {
            t.SetFlat(i, generator.NextInt(low, high));
        }

        return t;
    }

    private static Tensor From2D<T>(T[,] data, DType dtype)
    {
        int rows = data.GetLength(0), columns = data.GetLength(1);
        var t = new Tensor(new Shape(rows, columns), dtype);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                t.SetFlat((i * columns) + j, Convert.ToDouble(data[i, j]));
            }
        }

        return t;
    }

    private static Tensor FromJagged<T>(T[][] rows, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int columns = rows.Length == 0 ? 0 : rows[0].Length;
        var t = new Tensor(new Shape(rows.Length, columns), dtype);
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != columns)
            {
                throw new ArgumentException($"FromArray: jagged rows must have equal lengths; row 0 has {columns}, row {i} has {rows[i].Length}.");
            }

            for (int j = 0; j < columns; j++)
            {
                t.SetFlat((i * columns) + j, Convert.ToDouble(rows[i][j]));
            }
        }

        return t;
    }
}
