using AutoGrad.IO;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.IO;

/// <summary>Issue 12 item 10: saves clean up after killed saves, refuse an unbuilt model and a read-only target.</summary>
public class SaveHardeningTests
{
    [Fact]
    public void Write_StaleTempFilesOfTheSameTarget_AreRemovedOthersKept()
    {
        using var directory = new TempDirectory();
        string target = directory.File("model.safetensors");
        // What a save killed midway leaves behind, and files that must survive: another target's temp file, a
        // temp file a writer still holds open, and a user's file that merely looks similar.
        string stale = directory.File($".model.safetensors.{Guid.NewGuid():N}.tmp");
        string otherTarget = directory.File($".other.safetensors.{Guid.NewGuid():N}.tmp");
        string inProgress = directory.File($".model.safetensors.{Guid.NewGuid():N}.tmp");
        string lookalike = directory.File(".model.safetensors.backup.tmp");
        foreach (string path in new[] { stale, otherTarget, inProgress, lookalike })
        {
            File.WriteAllBytes(path, new byte[1000]);
        }

        using (new FileStream(inProgress, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            AtomicFile.WriteAllBytes(target, [1, 2, 3]);
        }

        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(target));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(otherTarget));
        Assert.True(File.Exists(inProgress));
        Assert.True(File.Exists(lookalike));
    }

    [Fact]
    public void Save_UnbuiltLazyModel_RefusesNamingTheLayers()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var model = new Sequential(new Dense(4, inputSize: 3), new Dense(2));
        var error = Assert.Throws<InvalidOperationException>(() => model.Save(path));
        Assert.Contains("dense_1", error.Message);
        Assert.Contains("Build", error.Message);
        Assert.False(File.Exists(path));

        model.Build([3]);
        model.Save(path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Save_ReadOnlyTarget_RefusesAndLeavesItUnchanged()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        File.WriteAllBytes(path, [42]);
        File.SetAttributes(path, FileAttributes.ReadOnly);
        try
        {
            var error = Assert.Throws<UnauthorizedAccessException>(() => new Sequential(new Dense(2, inputSize: 3)).Save(path));
            Assert.Contains(path, error.Message);
            Assert.Contains("read-only", error.Message);
            Assert.Equal(new byte[] { 42 }, File.ReadAllBytes(path));
            Assert.Equal(new[] { "model.safetensors" }, directory.FileNames());
        }
        finally
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
    }
}
