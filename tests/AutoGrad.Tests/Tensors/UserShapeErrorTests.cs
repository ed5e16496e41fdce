using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.Tensors;

/// <summary>Issue 12 item 8: errors say what the user did, with the user's shapes and paths, never a bare runtime exception.</summary>
public class UserShapeErrorTests
{
    [Fact]
    public void MatMul_VectorsOfDifferentLength_NamesTheUsersShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros([3]).MatMul(Tensor.Zeros([4])));
        Assert.Contains("(3,)", error.Message);
        Assert.Contains("(4,)", error.Message);
        Assert.DoesNotContain("(1, 3)", error.Message);
    }

    [Fact]
    public void MatMul_BatchAxesThatDoNotBroadcast_NamesBothFullShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3, 4]).MatMul(Tensor.Zeros([3, 4, 5])));
        Assert.Contains("(2, 3, 4)", error.Message);
        Assert.Contains("(3, 4, 5)", error.Message);
    }

    [Fact]
    public void Pad_HugePadding_ThrowsArgumentExceptionNamingTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).Pad([(0, 0), (int.MaxValue, 0)]));
        Assert.Contains("pad", error.Message);
        Assert.Contains("(2, 3)", error.Message);
    }

    [Fact]
    public void ShapeIndexer_Scalar_ThrowsOutOfRangeNotNullReference()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Shape.Scalar[0]);
        Assert.Contains("rank 0", error.Message);
    }

    [Fact]
    public void Zeros_HugeDimensionsWithAZeroAxis_HoldsNoElements()
    {
        Tensor empty = Tensor.Zeros([int.MaxValue, int.MaxValue, 0]);
        Assert.Equal(0, empty.Size);
        Assert.Equal(new Shape(int.MaxValue, int.MaxValue, 0), empty.Shape);
        Assert.Equal(0, new Shape(0, int.MaxValue, int.MaxValue).Size);
    }

    [Fact]
    public void Load_Directory_SaysItIsADirectory()
    {
        using var directory = new TempDirectory();
        var model = new Sequential(new Dense(2, inputSize: 3));
        var error = Assert.ThrowsAny<IOException>(() => model.Load(directory.Path));
        Assert.Contains("is a directory", error.Message);
        Assert.Contains(directory.Path, error.Message);
    }

    [Fact]
    public void Save_IntoAMissingDirectory_NamesTheTargetNotTheTempFile()
    {
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "missing", "model.safetensors");
        var error = Assert.Throws<DirectoryNotFoundException>(() => new Sequential(new Dense(2, inputSize: 3)).Save(target));
        Assert.Contains(target, error.Message);
        Assert.DoesNotContain(".tmp", error.Message);
    }

    [Fact]
    public void ProgressOutput_SetToNull_ThrowsAtTheAssignment()
    {
        var model = new Sequential(new Dense(1, inputSize: 2));
        var error = Assert.Throws<ArgumentNullException>(() => model.ProgressOutput = null!);
        Assert.Contains("TextWriter.Null", error.Message);
    }
}
