namespace AutoGrad.NN;

/// <summary>How <see cref="Layer.Save"/> names and lays out weights in a checkpoint, and how <see cref="Layer.Load"/> reads them.</summary>
public enum WeightNaming
{
    /// <summary>
    /// AutoGrad's own names and layouts: every parameter and buffer under its path (<c>dense.kernel</c> <c>[in, out]</c>,
    /// <c>batch_norm.runningMean</c>), optionally with the optimizer's state. Metadata <c>{"format": "autograd"}</c>.
    /// </summary>
    AutoGrad,

    /// <summary>
    /// The names and layouts of PyTorch's <c>state_dict</c> for the equivalent <c>torch.nn.Sequential</c>, so
    /// <c>module.load_state_dict(safetensors.torch.load_file(path))</c> accepts the file and files PyTorch wrote load:
    /// <c>0.weight</c> <c>[out, in]</c> for a <see cref="Layers.Dense"/>, <c>running_mean</c>, <c>running_var</c> and
    /// <c>num_batches_tracked</c> for a <see cref="Layers.BatchNorm"/>. Covers Dense, Conv2D, BatchNorm, LayerNorm and
    /// Embedding in (nested) <see cref="Sequential"/> models; weights only, no optimizer state. Metadata <c>{"format": "pt"}</c>.
    /// </summary>
    PyTorch,
}
