using AutoGrad.Examples.Mnist;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.Examples;

public sealed class TrainingPlotTests
{
    [Fact]
    public void Save_History_WritesPngOfRequestedSize()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "plot.png");
        EpochRecord[] history = [new(1, 0.40, 0.89, 0.93, 2.0), new(2, 0.20, 0.95, 0.96, 2.0), new(3, 0.12, 0.97, 0.975, 2.1)];

        TrainingPlot.Save(path, "test run", history, width: 640, height: 400);

        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        // IHDR follows the signature: width and height as big-endian 32-bit integers.
        Assert.Equal(640, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(400, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Fact]
    public void Save_EmptyHistory_ThrowsSayingNothingToPlot()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingPlot.Save("unused.png", "t", []));

        Assert.StartsWith("TrainingPlot.Save: the history is empty; nothing to plot.", e.Message, StringComparison.Ordinal);
    }
}
