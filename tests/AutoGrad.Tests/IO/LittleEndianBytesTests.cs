using AutoGrad.IO;

namespace AutoGrad.Tests.IO;

public class LittleEndianBytesTests
{
    [Theory]
    [InlineData(1f, new byte[] { 0x00, 0x00, 0x80, 0x3F })]
    [InlineData(-2f, new byte[] { 0x00, 0x00, 0x00, 0xC0 })]
    [InlineData(float.PositiveInfinity, new byte[] { 0x00, 0x00, 0x80, 0x7F })]
    [InlineData(-0f, new byte[] { 0x00, 0x00, 0x00, 0x80 })]
    public void FromSingles_KnownValue_GivesLittleEndianIeeeBytes(float value, byte[] expected)
    {
        Assert.Equal(expected, LittleEndianBytes.FromSingles([value]));
        Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(LittleEndianBytes.ToSingles(expected)[0]));
    }

    [Theory]
    [InlineData(1.0, new byte[] { 0, 0, 0, 0, 0, 0, 0xF0, 0x3F })]
    [InlineData(-0.5, new byte[] { 0, 0, 0, 0, 0, 0, 0xE0, 0xBF })]
    public void FromDoubles_KnownValue_GivesLittleEndianIeeeBytes(double value, byte[] expected)
    {
        Assert.Equal(expected, LittleEndianBytes.FromDoubles([value]));
        Assert.Equal(value, LittleEndianBytes.ToDoubles(expected)[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void RoundTrip_ManyLengths_KeepsEveryBitPattern(int length)
    {
        var random = new Random(length);
        float[] singles = Enumerable.Range(0, length).Select(_ => BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue))).ToArray();
        double[] doubles = Enumerable.Range(0, length).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue))).ToArray();

        float[] singlesBack = LittleEndianBytes.ToSingles(LittleEndianBytes.FromSingles(singles));
        double[] doublesBack = LittleEndianBytes.ToDoubles(LittleEndianBytes.FromDoubles(doubles));

        Assert.Equal(singles.Select(BitConverter.SingleToInt32Bits), singlesBack.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(doubles.Select(BitConverter.DoubleToInt64Bits), doublesBack.Select(BitConverter.DoubleToInt64Bits));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void ToSingles_LengthNotMultipleOf4_Throws(int length)
    {
        var error = Assert.Throws<ArgumentException>(() => LittleEndianBytes.ToSingles(new byte[length]));

        Assert.Contains($"{length} bytes is not a whole number of 4-byte values", error.Message);
    }
}
