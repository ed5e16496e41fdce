using System.Security.Cryptography;
using AutoGrad.Data;
using AutoGrad.Examples.Mnist;
using AutoGrad.Tests.IO;
using static AutoGrad.Tests.Data.IdxTestFiles;

namespace AutoGrad.Tests.Examples;

public sealed class MnistTensorsTests
{
    // Three 2×2 "images" whose pixels cycle through 0, 51, 102, 153, 204, so every scaled value is a multiple of 0.2.
    private static readonly MnistSplit Split = new(
        Images: Enumerable.Range(0, 12).Select(i => (byte)(i * 51 % 255)).ToArray(),
        Labels: [7, 0, 9],
        Count: 3, Rows: 2, Cols: 2);

    [Fact]
    public void Images_Range_ScalesPixelsToUnitIntervalAsRows()
    {
        var images = MnistTensors.Images(Split, start: 1, count: 2);

        Assert.Equal([2, 4], images.Shape.ToArray());
        Assert.Equal(new[] { 0.8f, 0.0f, 0.2f, 0.4f, 0.6f, 0.8f, 0.0f, 0.2f }, images.ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void Images_AsPlanes_HasOneChannelPerImage()
    {
        var images = MnistTensors.Images(Split, asPlanes: true);

        Assert.Equal([3, 1, 2, 2], images.Shape.ToArray());
        Assert.Equal(0.2f, images[0, 0, 0, 1], 6);
    }

    [Fact]
    public void Labels_AndOneHot_EncodeTheDigits()
    {
        Assert.Equal(new[] { 7f, 0f, 9f }, MnistTensors.Labels(Split).ToArray());

        var oneHot = MnistTensors.OneHotLabels(Split, start: 1);

        Assert.Equal([2, 10], oneHot.Shape.ToArray());
        Assert.Equal(1f, oneHot[0, 0]);
        Assert.Equal(1f, oneHot[1, 9]);
        Assert.Equal(2f, oneHot.ToArray().Sum());
    }

    [Theory]
    [InlineData(-1, 1, "start", "The split holds 3 images; start must be in [0, 3].")]
    [InlineData(4, null, "start", "The split holds 3 images; start must be in [0, 3].")]
    [InlineData(2, 2, "count", "Images 2..3 are not all inside the split of 3.")]
    public void Images_RangeOutsideSplit_ThrowsNamingRange(int start, int? count, string parameter, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MnistTensors.Images(Split, start, count));

        Assert.Equal(parameter, e.ParamName);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DataFolderWithTruncatedFile_ExitsWith1NamingFileAndHash()
    {
        using var dir = new TempDirectory();
        foreach (string name in MnistFiles.FileNames)
        {
            File.WriteAllBytes(dir.File(name), Gzip(UBytes([1], [3])));
        }
        byte[] truncated = Gzip(UBytes([2, 28, 28], new byte[2 * 784]))[..40];
        File.WriteAllBytes(dir.File(MnistFiles.TrainImagesFileName), truncated);
        var output = new StringWriter();
        var error = new StringWriter();

        int code = MnistProgram.Run(["--data", dir.Path], output, error);

        Assert.Equal(1, code);
        Assert.Equal($"Data: {dir.Path}" + Environment.NewLine, output.ToString());
        string expectedHash = Convert.ToHexStringLower(SHA256.HashData(truncated));
        Assert.StartsWith($"Cannot load MNIST: '{dir.File(MnistFiles.TrainImagesFileName)}' has SHA-256 {expectedHash}, expected {MnistFiles.KnownSha256[MnistFiles.TrainImagesFileName]}",
            error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ShippedDirectory_NextToProgram_HoldsTheVerifiedFiles()
    {
        // The example must run offline: the build copies the four files beside the program (and this test).
        foreach (string name in MnistFiles.FileNames)
        {
            string path = Path.Combine(MnistDataLocator.ShippedDirectory, name);
            Assert.Equal(MnistFiles.KnownSha256[name], MnistFiles.ComputeSha256(path));
        }
    }
}
