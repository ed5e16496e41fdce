namespace AutoGrad.Kernels;

/// <summary>
/// A count fixed when a register kernel is compiled: a kernel generic over it sees the count as a constant, so the JIT
/// drops the code of the rows, columns or positions past it and one unrolled kernel serves several tile sizes (the GEMM
/// tiles of 12, 8, 4, 2 and 1 rows, the narrow tiles of 2 to 16 columns, the convolutions' blocks of 5 to 13 positions).
/// </summary>
internal interface IFixedCount
{
    /// <summary>The count.</summary>
    static abstract int Value { get; }
}

internal readonly struct Count1 : IFixedCount
{
    public static int Value => 1;
}

internal readonly struct Count2 : IFixedCount
{
    public static int Value => 2;
}

internal readonly struct Count3 : IFixedCount
{
    public static int Value => 3;
}

internal readonly struct Count4 : IFixedCount
{
    public static int Value => 4;
}

internal readonly struct Count5 : IFixedCount
{
    public static int Value => 5;
}

internal readonly struct Count6 : IFixedCount
{
    public static int Value => 6;
}

internal readonly struct Count7 : IFixedCount
{
    public static int Value => 7;
}

internal readonly struct Count8 : IFixedCount
{
    public static int Value => 8;
}

internal readonly struct Count10 : IFixedCount
{
    public static int Value => 10;
}

internal readonly struct Count12 : IFixedCount
{
    public static int Value => 12;
}

internal readonly struct Count13 : IFixedCount
{
    public static int Value => 13;
}

internal readonly struct Count14 : IFixedCount
{
    public static int Value => 14;
}

internal readonly struct Count16 : IFixedCount
{
    public static int Value => 16;
}
